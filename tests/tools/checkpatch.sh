#!/bin/sh
# Print the path of a checkpatch.pl from Linux 6.1: ../shared/tools when
# present, else the one in the debug kernel's headers, else extracted once
# from Debian's linux-source-6.1 into build/checkpatch/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
for c in "$root/../shared/tools/checkpatch/checkpatch.pl" \
	 /usr/src/linux-headers-6.1.192-kissdebug/scripts/checkpatch.pl \
	 "$root/build/checkpatch/scripts/checkpatch.pl"; do
	if [ -x "$c" ]; then
		echo "$c"
		exit 0
	fi
done
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
if [ -z "$tarball" ]; then
	echo "checkpatch.pl not found: apt-get install linux-source-6.1" >&2
	exit 1
fi
mkdir -p "$root/build/checkpatch"
tar -C "$root/build/checkpatch" -xJf "$tarball" --strip-components=1 \
	--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch'
echo "$root/build/checkpatch/scripts/checkpatch.pl"
