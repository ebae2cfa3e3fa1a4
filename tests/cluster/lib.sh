# Shell helpers for the two-node scripts (sourced, in a guest of
# tests/vm/run2.sh; CLUSTER_DIR is shared by both guests and the runner).
#
#   cl_say NAME [TEXT]     create CLUSTER_DIR/NAME (atomically) holding TEXT
#   cl_wait NAME [SECS]    wait until CLUSTER_DIR/NAME exists (default 300 s);
#                          fails at once once a node has given up (cl_abort)
#   cl_abort WHY           give up: the other node's waits fail at once
#                          instead of running into the time limit
#   cl_barrier NAME [SECS] both nodes meet: each says NAME.<node>, waits
#                          for the other's
#   cl_ts                  seconds since boot, for the log

cl_ts() {
	cut -d' ' -f1 /proc/uptime
}

cl_say() {	# NAME [TEXT]
	printf '%s\n' "${2:-}" > "$CLUSTER_DIR/.$1.$VM_NODE.tmp" &&
		mv -f "$CLUSTER_DIR/.$1.$VM_NODE.tmp" "$CLUSTER_DIR/$1"
}

cl_wait() {	# NAME [SECS]
	local i=0 n=$((${2:-300} * 5))
	while ! [ -e "$CLUSTER_DIR/$1" ]; do
		if [ -e "$CLUSTER_DIR/abort" ]; then
			echo "# $(cl_ts) not waiting for $1: $(cat "$CLUSTER_DIR/abort")" >&2
			return 1
		fi
		i=$((i + 1))
		if [ $i -gt $n ]; then
			echo "# $(cl_ts) timed out waiting for $1" >&2
			return 1
		fi
		sleep 0.2
	done
}

cl_abort() {	# WHY
	[ -e "$CLUSTER_DIR/abort" ] || cl_say abort "node $VM_NODE gave up: $1"
}

cl_barrier() {	# NAME [SECS]
	local other=a
	[ "$VM_NODE" = a ] && other=b
	cl_say "$1.$VM_NODE" && cl_wait "$1.$other" "${2:-300}"
}
