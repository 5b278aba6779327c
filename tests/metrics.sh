# SPDX-License-Identifier: GPL-2.0-only
# Checks of top's machine-readable output with the consumers' own tools,
# sourced after lib.sh by the files that need them.  Each skips, saying
# why, where its tool is missing (the VM guests have none of them).

T_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && pwd)
T_SCHEMA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../schema" 2>/dev/null && pwd)

# a python3 that can import module $1 (pyenv's and Debian's may differ)
py_with() {
	local p
	for p in python3 /usr/bin/python3; do
		command -v "$p" >/dev/null && "$p" -c "import $1" 2>/dev/null && { echo "$p"; return 0; }
	done
	return 1
}

# check_promtool NAME FORMAT TEXT: `promtool check metrics` accepts TEXT.
# promtool (2.42) reads only the 0.0.4 text format: given OpenMetrics, it
# takes a counter family's X_total samples for an undocumented family of
# their own and says "X_total no help text".  That one complaint is
# allowed for the counters TEXT declares; any other is a failure.
check_promtool() {
	local name=$1 fmt=$2 text=$3 out rc bad
	command -v promtool >/dev/null || { t_skip "$name" "promtool not installed"; return; }
	out=$(promtool check metrics <<<"$text" 2>&1); rc=$?
	if [[ $fmt == openmetrics && $rc == 3 ]]; then
		bad=$(while read -r m rest; do
			[[ $rest == "no help text" && $m == *_total ]] &&
				grep -qx "# TYPE ${m%_total} counter" <<<"$text" && continue
			echo "$m $rest"
		done <<<"$out")
		[[ -z $bad ]] && rc=0 out=
	fi
	if [[ $rc == 0 && -z $out ]]; then t_ok "$name"; else t_fail "$name" "promtool rc $rc: $(head -5 <<<"$out")"; fi
}

# check_openmetrics NAME TEXT: a strict OpenMetrics 1.0 parser accepts TEXT
check_openmetrics() {
	local py out
	py=$(py_with prometheus_client.openmetrics.parser) ||
		{ t_skip "$1" "python3-prometheus-client not installed"; return; }
	if out=$("$py" "$T_TOOLS/om-check.py" <<<"$2" 2>&1); then t_ok "$1"; else t_fail "$1" "$out"; fi
}


# check_node_exporter NAME TEXT: a real node_exporter's textfile collector
# reads TEXT (the 0.0.4 format) without a scrape error and serves every one
# of its samples.  It listens on a free loopback port and is stopped after.
check_node_exporter() {
	local name=$1 text=$2 nx port pid got want i
	nx=$(command -v prometheus-node-exporter || command -v node_exporter) ||
		{ t_skip "$name" "node_exporter not installed"; return; }
	command -v curl >/dev/null || { t_skip "$name" "curl not installed"; return; }
	mkdir -p "$T_TMP/textfile"
	printf '%s\n' "$text" >"$T_TMP/textfile/memcgctl.prom"
	for i in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		"$nx" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory="$T_TMP/textfile" \
			>"$T_TMP/nx.log" 2>&1 &
		pid=$!
		T_PIDS+=("$pid")
		got=
		for _ in $(seq 100); do	# until it answers, or exits (port taken)
			got=$(curl -sf "http://127.0.0.1:$port/metrics") && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[[ -n $got ]] && break
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	if [[ -z $got ]]; then t_fail "$name" "node_exporter did not answer: $(tail -3 "$T_TMP/nx.log")"; return; fi
	want=$(grep -c '^memcgctl_' <<<"$text")
	if grep -qx 'node_textfile_scrape_error 0' <<<"$got" &&
	   [[ $(grep -c '^memcgctl_' <<<"$got") == "$want" ]]; then
		t_ok "$name"
	else
		t_fail "$name" "want $want samples, got $(grep -c '^memcgctl_' <<<"$got"); $(grep -E 'scrape_error|level=error' <<<"$got$(cat "$T_TMP/nx.log")" | head -3)"
	fi
}
