/* Small pure helpers: init_kind_from_bytes (rootfs.c), notify_parse (notify.c),
 * path_join (util.c). */
#include <string.h>

#include "notify.h"
#include "rootfs.h"
#include "unit.h"
#include "util.h"

/* Buffers with NUL bytes around the marker, like the bytes of a binary. */
#define BIN(s) "\x7f" "ELF\x02\x01\x01\0\0\0/lib64/ld-linux-x86-64.so.2\0" s "\0\x90\x90\xc3"

static void test_init_kind(void)
{
        static const char busybox[] = BIN("BusyBox v1.35.0 (2023-01-03) multi-call binary.");
        static const char systemd[] = BIN("libsystemd-shared-252.so");
        static const char systemd_core[] = BIN("libsystemd-core-255.so");
        static const char other[] = BIN("INIT_VERSION=sysvinit-3.06 BusyBox libsystemd");

        CHECK(init_kind_from_bytes(busybox, sizeof(busybox) - 1) == INIT_BUSYBOX);
        CHECK(init_kind_from_bytes(systemd, sizeof(systemd) - 1) == INIT_SYSTEMD);
        CHECK(init_kind_from_bytes(systemd_core, sizeof(systemd_core) - 1) == INIT_SYSTEMD);
        CHECK(init_kind_from_bytes(other, sizeof(other) - 1) == INIT_SYSVINIT);
        CHECK(init_kind_from_bytes("", 0) == INIT_SYSVINIT);
        /* Only the first len bytes count. */
        CHECK(init_kind_from_bytes(busybox, 20) == INIT_SYSVINIT);
        CHECK(init_kind_from_bytes("xxBusyBox v1", 10) == INIT_SYSVINIT);
        CHECK(init_kind_from_bytes("xxBusyBox v1", 11) == INIT_BUSYBOX);

        CHECK(strcmp(init_kind_name(INIT_SYSTEMD), "systemd") == 0);
        CHECK(strcmp(init_kind_name(INIT_BUSYBOX), "busybox init") == 0);
        CHECK(strcmp(init_kind_name(INIT_SYSVINIT), "sysvinit") == 0);
}

static struct notify_message m;

static void parse(const char *text)
{
        m = (struct notify_message) {};
        notify_parse(text, strlen(text), &m);
}

static void test_notify(void)
{
        char long_status[400];

        parse("READY=1\n");
        CHECK(m.ready && !m.stopping && m.status[0] == '\0');
        parse("READY=1");
        CHECK(m.ready);
        parse("STATUS=Startup finished in 1.2s\n");
        CHECK(!m.ready && strcmp(m.status, "Startup finished in 1.2s") == 0);
        parse("STOPPING=1");
        CHECK(m.stopping && !m.ready);
        parse("READY=1\nSTATUS=Ready.\nSTOPPING=1\n");
        CHECK(m.ready && m.stopping && strcmp(m.status, "Ready.") == 0);
        parse("STATUS=one\nSTATUS=two");
        CHECK(strcmp(m.status, "two") == 0);

        /* Unknown keys and other values are ignored. */
        parse("MAINPID=42\nREADY=0\nREADY=12\nXREADY=1\nready=1\nSTOPPING=0\nX_STATUS=no\n\n");
        CHECK(!m.ready && !m.stopping && m.status[0] == '\0');
        parse("WATCHDOG=1\nREADY=1\nERRNO=5");
        CHECK(m.ready && !m.stopping);

        /* Only len bytes are read. */
        m = (struct notify_message) {};
        notify_parse("READY=1", 5, &m);
        CHECK(!m.ready);
        m = (struct notify_message) {};
        notify_parse("STATUS=abcdef", 10, &m);
        CHECK(strcmp(m.status, "abc") == 0);

        /* A long status is cut, still a string. */
        memcpy(long_status, "STATUS=", 7);
        memset(long_status + 7, 'x', sizeof(long_status) - 8);
        long_status[sizeof(long_status) - 1] = '\0';
        parse(long_status);
        CHECK(strlen(m.status) == sizeof(m.status) - 1 && m.status[0] == 'x');
}

static void test_path_join(void)
{
        char buf[64];

        CHECK(path_join(buf, sizeof(buf), "/etc/systemd/system", "getty.target.wants") == 0);
        CHECK(strcmp(buf, "/etc/systemd/system/getty.target.wants") == 0);
        CHECK(path_join(buf, 6, "ab", "cd") == 0 && strcmp(buf, "ab/cd") == 0);
        CHECK(path_join(buf, 5, "ab", "cd") == -ENAMETOOLONG);
        CHECK(path_join(buf, 1, "", "") == -ENAMETOOLONG);
        CHECK(path_join(buf, 2, "", "") == 0 && strcmp(buf, "/") == 0);
}

int main(void)
{
        test_init_kind();
        test_notify();
        test_path_join();
        return unit_done();
}
