# 720_attach_restored_disks.sh
#
# What the recovery left on the scratch disks is read from the host, read-only:
# each sparse file (700: an open file descriptor /dev/fd/N) gets a read-only loop device (its partitions added with partx
# where the kernel has no parser for the table), detached at the end.
# Sets TESTRECOVER_RUN_LOOPS ("NAME:/dev/loopN").
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local entry name file loop
TESTRECOVER_RUN_LOOPS=()
for entry in "${TESTRECOVER_RUN_SCRATCH_FILES[@]}" ; do
    name="${entry%%:*}"
    file="${entry#*:}"
    test -s "$file" || { Log "The scratch disk $name is empty (the recovery did not start?)" ; continue ; }
    loop="$( losetup -f --show -r -P "$file" )" || Error "Cannot attach the scratch disk $name ($file) read-only to a loop device"
    AddExitTask "losetup -d $loop"
    testrecover_watchdog_add "loop $loop"
    # A kernel without the partition table's parser (this project's CI) shows none:
    partx -a "$loop" 2>/dev/null
    TESTRECOVER_RUN_LOOPS+=( "$name:$loop" )
    Log "Scratch disk $name of the recovery is $loop (read-only)"
done
