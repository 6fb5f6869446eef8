/* ring.c: ring_append keeps the last RING_SIZE bytes whatever the sizes of the appends;
 * ring_tail returns the last bytes, from the start of a line when it cuts. */
#include <string.h>

#include "ring.h"
#include "unit.h"

static struct ring r;
static char stream[3 * RING_SIZE];

/* Byte i of a stream without a period of RING_SIZE. */
static char stream_byte(size_t i)
{
        return (char) ('a' + (i * 7 + i / 13) % 26);
}

static void fill_stream(void)
{
        for (size_t i = 0; i < sizeof(stream); i++)
                stream[i] = stream_byte(i);
}

/* The ring holds exactly the last RING_SIZE bytes of stream[0..end). */
static int holds_end_of_stream(size_t end)
{
        return r.len == RING_SIZE && memcmp(r.data, stream + end - RING_SIZE, RING_SIZE) == 0;
}

static int tail_is(size_t max, const char *expect)
{
        size_t len = 12345;
        const char *t = ring_tail(&r, max, &len);

        return len == strlen(expect) && memcmp(t, expect, len) == 0;
}

static void test_small(void)
{
        size_t len = 12345;

        r = (struct ring) {};
        ring_tail(&r, 100, &len);
        CHECK(len == 0);
        ring_append(&r, "", 0);
        CHECK(r.len == 0);

        ring_append(&r, "hello ", 6);
        ring_append(&r, "world", 5);
        CHECK(r.len == 11 && memcmp(r.data, "hello world", 11) == 0);
        CHECK(tail_is(100, "hello world"));
        CHECK(tail_is(11, "hello world"));
}

static void test_big(void)
{
        r = (struct ring) {};
        ring_append(&r, stream, RING_SIZE);
        CHECK(holds_end_of_stream(RING_SIZE));

        /* One more byte pushes the first one out. */
        ring_append(&r, stream + RING_SIZE, 1);
        CHECK(holds_end_of_stream(RING_SIZE + 1));

        /* Larger than the ring in one append, over old content. */
        r = (struct ring) {};
        ring_append(&r, "old", 3);
        ring_append(&r, stream, RING_SIZE + 5000);
        CHECK(holds_end_of_stream(RING_SIZE + 5000));
        ring_append(&r, stream + RING_SIZE + 5000, 2 * RING_SIZE - 5000);
        CHECK(holds_end_of_stream(3 * RING_SIZE));
}

static void test_wrapping(void)
{
        size_t pos = 0, step = 0, ok = 1;

        r = (struct ring) {};
        while (pos < sizeof(stream)) {
                size_t n = 1 + (step++ * 37) % 251;
                if (n > sizeof(stream) - pos)
                        n = sizeof(stream) - pos;
                ring_append(&r, stream + pos, n);
                pos += n;
                size_t expect = pos < RING_SIZE ? pos : RING_SIZE;
                if (r.len != expect || memcmp(r.data, stream + pos - expect, expect) != 0)
                        ok = 0;
        }
        CHECK(ok);
        CHECK(step > 100);
        CHECK(holds_end_of_stream(sizeof(stream)));
}

static void test_tail(void)
{
        r = (struct ring) {};
        ring_append(&r, "first line\nsecond line\nthird", 28);
        /* Not cut: everything, newlines and all. */
        CHECK(tail_is(28, "first line\nsecond line\nthird"));
        CHECK(tail_is(1000, "first line\nsecond line\nthird"));
        /* Cut in "second line": starts after its newline. */
        CHECK(tail_is(12, "third"));
        /* Cut in "first line": starts at "second line". */
        CHECK(tail_is(20, "second line\nthird"));
        /* No newline in the last max bytes: the bytes themselves. */
        CHECK(tail_is(5, "third"));
        CHECK(tail_is(3, "ird"));
        CHECK(tail_is(0, ""));

        r = (struct ring) {};
        ring_append(&r, "abcdefghij", 10);
        CHECK(tail_is(4, "ghij"));

        /* Cut in the last line, which ends in a newline: nothing of it is left. */
        r = (struct ring) {};
        ring_append(&r, "prompt\nlogin: \n", 15);
        CHECK(tail_is(3, ""));
        CHECK(tail_is(9, "login: \n"));
        CHECK(tail_is(10, "login: \n"));

        /* The tail of a full ring is inside its data. */
        r = (struct ring) {};
        ring_append(&r, stream, sizeof(stream));
        size_t len;
        const char *t = ring_tail(&r, 100, &len);
        CHECK(len == 100 && t == r.data + RING_SIZE - 100);
}

int main(void)
{
        fill_stream();
        test_small();
        test_big();
        test_wrapping();
        test_tail();
        return unit_done();
}
