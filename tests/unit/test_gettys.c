/* gettys.c: which terminals an image starts a getty on, from its /etc/inittab
 * (sysvinit as in ReaR's skeleton, busybox) and from systemd unit names. */
#include <errno.h>
#include <string.h>

#include "gettys.h"
#include "unit.h"

/* The text of ReaR's usr/share/rear/skel/default/etc/inittab. */
static const char rear_inittab[] =
        "# inittab for Relax-and-Recover\n"
        "#\n"
        "# Runlevel 3 is normal\n"
        "#\n"
        "id:3:initdefault:\n"
        "\n"
        "bo::bootwait:/etc/scripts/boot\n"
        "ss::bootwait:/etc/scripts/system-setup\n"
        "\n"
        "ha:0:wait:/etc/scripts/do-shutdown halt\n"
        "re:6:wait:/etc/scripts/do-shutdown reboot\n"
        "\n"
        "sy:23:respawn:/etc/scripts/run-syslog\n"
        "\n"
        "t1:3:respawn:/sbin/mingetty --noclear tty1\n"
        "t2:3:respawn:/sbin/mingetty --noclear tty2\n"
        "t3:3:respawn:/sbin/mingetty --noclear tty3\n"
        "t4:3:respawn:/sbin/mingetty --noclear tty4\n"
        "t5:3:respawn:/sbin/mingetty --noclear tty5\n";

static const char busybox_inittab[] =
        "::sysinit:/etc/init.d/rcS\n"
        "tty1::respawn:/sbin/getty 38400 tty1\n"
        "::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
        "tty3::respawn:/bin/login\n"
        "::ctrlaltdel:/sbin/reboot\n"
        "::shutdown:/bin/umount -a -r";       /* no newline at the end */

static struct getty g[MAX_GETTYS];

/* The ttys found, as "tty1 tty2", to compare in one check. */
static const char *names(size_t n)
{
        static char buf[MAX_GETTYS * sizeof(g[0].tty)];

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(buf);
                snprintf(buf + len, sizeof(buf) - len, "%s%.15s", i ? " " : "", g[i].tty);
        }
        return buf;
}

static size_t parse(const char *text)
{
        memset(g, 0x55, sizeof(g));
        return gettys_from_inittab(text, g, 0, MAX_GETTYS);
}

static void test_rear(void)
{
        size_t n = parse(rear_inittab);

        CHECK(n == 5);
        CHECK(strcmp(names(n), "tty1 tty2 tty3 tty4 tty5") == 0);
        CHECK(strcmp(g[0].source, "/etc/inittab line 15") == 0);
        CHECK(strcmp(g[4].source, "/etc/inittab line 19") == 0);
        CHECK(g[0].serial_unit == 0 && g[4].serial_unit == 0);

        /* At most max, and entries already there are kept and not repeated. */
        CHECK(gettys_from_inittab(rear_inittab, g, 0, 2) == 2);
        CHECK(strcmp(names(2), "tty1 tty2") == 0);
        CHECK(getty_from_unit_name("getty@tty3.service", &g[0]) == 0);
        CHECK(gettys_from_inittab(rear_inittab, g, 1, MAX_GETTYS) == 5);
        CHECK(strcmp(names(5), "tty3 tty1 tty2 tty4 tty5") == 0);
        CHECK(strcmp(g[0].source, "getty@tty3.service") == 0);
}

static void test_busybox(void)
{
        size_t n = parse(busybox_inittab);

        CHECK(n == 3);
        CHECK(strcmp(names(n), "tty1 ttyS0 tty3") == 0);
        CHECK(strcmp(g[1].source, "/etc/inittab line 3") == 0);
        CHECK(strcmp(g[2].source, "/etc/inittab line 4") == 0);
}

static void test_lines(void)
{
        size_t n;

        /* Comments, also indented ones (sysvinit and busybox skip blanks before '#'). */
        n = parse("#t1:3:respawn:/sbin/mingetty tty1\n"
                  "# t2:3:respawn:/sbin/mingetty tty2\n"
                  "t3:3:respawn:/sbin/mingetty tty3\n");
        CHECK(strcmp(names(n), "tty3") == 0);
        n = parse("  #t1:3:respawn:/sbin/mingetty tty1\n"
                  "\t# t2:3:respawn:/sbin/mingetty tty2\n"
                  "t3:3:respawn:/sbin/mingetty tty3\n");
        CHECK(strcmp(names(n), "tty3") == 0);

        /* Only respawned gettys and logins count. */
        n = parse("t1:3:once:/sbin/mingetty tty1\n"
                  "t2:3:wait:/sbin/agetty tty2\n"
                  "::sysinit:/sbin/getty 38400 tty4\n"
                  "t5:3:off:/sbin/mingetty tty5\n"
                  "::respawn:/bin/cat /dev/tty6\n"
                  "t7:3:respawn\n"
                  "t8:3\n"
                  "\n");
        CHECK(n == 0);

        /* /dev/ prefixes, in the command and in busybox's first field. */
        n = parse("::respawn:/sbin/getty 38400 /dev/tty2\n"
                  "/dev/tty4::respawn:/bin/login\n"
                  "::respawn:/sbin/agetty --noclear /dev/console linux\n"
                  "s0:2345:respawn:/sbin/agetty -L 115200 /dev/ttyS1 vt102\n");
        CHECK(strcmp(names(n), "tty2 tty4 console ttyS1") == 0);

        /* Duplicates removed: the first line wins. */
        n = parse("t1:3:respawn:/sbin/mingetty tty1\n"
                  "x1:3:respawn:/sbin/agetty tty1 linux\n"
                  "tty1::respawn:/bin/login\n"
                  "t2:3:respawn:/sbin/mingetty /dev/tty2\n"
                  "t2b:3:respawn:/sbin/mingetty tty2\n");
        CHECK(n == 2);
        CHECK(strcmp(names(n), "tty1 tty2") == 0);
        CHECK(strcmp(g[0].source, "/etc/inittab line 1") == 0);

        /* Words that only look like terminals. */
        n = parse("::respawn:/sbin/getty 38400 ttyS\n"
                  "::respawn:/sbin/getty 38400 tty\n"
                  "::respawn:/sbin/getty 38400 tty1x\n"
                  "::respawn:/sbin/getty 38400 /dev/\n");
        CHECK(n == 0);
        CHECK(parse("") == 0);
}

static int unit_is(const char *name, const char *tty, int serial)
{
        struct getty u;

        memset(&u, 0x55, sizeof(u));
        return getty_from_unit_name(name, &u) == 0 && strcmp(u.tty, tty) == 0 &&
               strcmp(u.source, name) == 0 && u.serial_unit == serial;
}

static void test_units(void)
{
        struct getty u;

        CHECK(unit_is("getty@tty0.service", "tty0", 0));
        CHECK(unit_is("getty@tty4.service", "tty4", 0));
        CHECK(unit_is("serial-getty@ttyS0.service", "ttyS0", 1));
        CHECK(unit_is("console-getty.service", "console", 0));

        CHECK(getty_from_unit_name("container-getty@1.service", &u) == -EINVAL);
        CHECK(getty_from_unit_name("getty.target", &u) == -EINVAL);
        CHECK(getty_from_unit_name("getty@.service", &u) == -EINVAL);
        CHECK(getty_from_unit_name("serial-getty@.service", &u) == -EINVAL);
        CHECK(getty_from_unit_name("getty@tty1.socket", &u) == -EINVAL);
        CHECK(getty_from_unit_name("getty-static.service", &u) == -EINVAL);
        CHECK(getty_from_unit_name("getty@ttyVERYVERYLONG0.service", &u) == -EINVAL);
        CHECK(getty_from_unit_name("", &u) == -EINVAL);
}

int main(void)
{
        test_rear();
        test_busybox();
        test_lines();
        test_units();
        return unit_done();
}
