#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The real full-screen view driven in tmux: it starts, shows the test
# cgroup, sorts, filters, opens the detail pane, survives a resize and a
# tiny terminal, quits cleanly, restores the terminal and leaks nothing.
. "$(dirname "$0")/../lib.sh"
need_root
command -v tmux >/dev/null || { t_skip all "tmux not installed"; exit 0; }

cg_new tui-big 256M || { t_fail setup "cannot create a test cgroup"; exit 0; }
cg_big=$CG
cg_run "$cg_big" "$MEMCGCTL_TEST_BIN/hog" -s 48M
wait_ready "$PID_OUT" 100
cg_new tui-small 64M
cg_run "$CG" "$MEMCGCTL_TEST_BIN/hog" -s 8M
# R reclaims from it: 16M of anon and 16M of page cache (where /var/tmp is not tmpfs)
FDIR=$(mktemp -d -p /var/tmp memcgctl-tui.XXXXXX)
cg_new tui-cache 256M
cg_cache=$CG
if page_cache "$FDIR"; then
	cg_run "$cg_cache" "$MEMCGCTL_TEST_BIN/hog" -s 16M -f "$FDIR/cache"
	wait_ready "$PID_OUT" 100
fi

sock="$T_TMP/tmux.sock"
sess=mctop$$
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t "$sess"; }
on_screen() { screen | grep -qE "$1"; }
off_screen() { ! on_screen "$1"; }
# wait_for REGEX: up to 5 s for the screen to show it
wait_for() { wait_until 50 on_screen "$1"; }
# wait_gone_from REGEX: up to 5 s for the screen to stop showing it
wait_gone_from() { wait_until 50 off_screen "$1"; }
# above A B: the screen shows A on a line above B
line_of() { screen | grep -n "$1" | head -1 | cut -d: -f1; }
above() { local a b; a=$(line_of "$1") b=$(line_of "$2"); [[ -n $a && -n $b ]] && ((a < b)); }
hdr() { screen | grep -m1 "CGROUP"; }
hdr_has() { hdr | grep -qE "$1"; }
# this run's top (its command line names our cgroup prefix) is still running
top_running() { pgrep -a -x memcgctl | grep -q "$T_PREFIX"; }
top_gone() { ! top_running; }
trap 'tm kill-server 2>/dev/null; cg_cleanup; rm -rf "$FDIR"' EXIT

tm new-session -d -s "$sess" -x 120 -y 40 \
	"$MEMCGCTL top -d 0.5 /$T_PREFIX; echo \"EXIT=\$?\"; stty -a | grep -o ' -\\?icanon' >$T_TMP/stty; sleep 60"
if wait_for "memcgctl top"; then t_ok starts; else t_fail starts "no header: $(screen | head -3)"; fi
check "shows-test-cgroups" wait_for "tui-big .*256M"
check "shows-bpf-on" wait_for "BPF on"
# sorted by memory, biggest first: tui-big above tui-small
check "sorted-by-mem-desc" above tui-big tui-small
# '<' twice from MEM goes to the name column: ascending by path
tm send-keys -t "$sess" '<'
check "sort-key-message" wait_for "sorted by cgroup"
check "sort-by-name-ascending" wait_until 50 above tui-big tui-small
tm send-keys -t "$sess" I
check "sort-by-name-reversed" wait_until 50 above tui-small tui-big
# filter
tm send-keys -t "$sess" / s m a l l Enter
check "filter-shows-match" wait_for "tui-small"
check "filter-hides-other" wait_gone_from "tui-big"
check "filter-in-header" wait_for "filter: small"
# detail pane for the selected (the only match, after the root)
tm send-keys -t "$sess" End i
check "detail-opens" wait_for "tui-small \\(id [0-9]+\\)"
check "detail-limits" wait_for "limit max 64.0M"
check "detail-sparkline" wait_for "^ (use%|usage) "
tm send-keys -t "$sess" / BSpace BSpace BSpace BSpace BSpace Enter
check "filter-cleared" wait_for "tui-big"
# the column picker: hide LIMIT, then move USE% left of MEM (the default
# order is CGROUP MEM LIMIT USE% ...); the header changes at once
tm send-keys -t "$sess" c
check "picker-opens" wait_for "\\[x\\] current +MEM"
check "picker-lists-hidden" wait_for "\\[ \\] peak +PEAK"
tm send-keys -t "$sess" Down Down Space
check "picker-hide-message" wait_for "limit hidden"
if hdr | grep -q "LIMIT"; then t_fail "picker-hides-header" "$(hdr)"; else t_ok "picker-hides-header"; fi
tm send-keys -t "$sess" Down '[' '['
check "picker-moves-left" wait_until 50 hdr_has "CGROUP.* USE%.* MEM"
tm send-keys -t "$sess" Escape
check "picker-closes" wait_for "c columns"
# negative check: let a refresh (-d 0.5) pass; the order must not revert
sleep 0.6
check "picker-order-kept" grep -qE "CGROUP.* USE%.* MEM" < <(hdr)
if hdr | grep -q "LIMIT"; then t_fail "picker-hidden-kept" "$(hdr)"; else t_ok "picker-hidden-kept"; fi
# and back: the picker keeps LIMIT where it was left (after MEM); shown again
tm send-keys -t "$sess" c Down Down Down Space Escape
check "picker-shows-again" wait_for "CGROUP.* USE%.* MEM.* LIMIT"
check "picker-limit-value" wait_for "tui-big .*256M"
# help and back
tm send-keys -t "$sess" h
check "help-shows" wait_for "memcgctl top: keys"
tm send-keys -t "$sess" x
check "help-closes" wait_for "CGROUP"
# R: reclaim's own code from the TUI, on v2 and on v1 (a lowered limit, put back)
if page_cache "$FDIR"; then
	if [[ $MEM_V2 == 1 ]]; then lim_file=memory.max; else lim_file=memory.limit_in_bytes; fi
	lim0=$(cat "$cg_cache/$lim_file")
	tm send-keys -t "$sess" / tui-cache Enter
	check "reclaim-filter" wait_for "filter: tui-cache"
	tm send-keys -t "$sess" R
	check "reclaim-asks-amount" wait_for "reclaim how much"
	tm send-keys -t "$sess" 8M Enter
	check "reclaim-asks-confirm" wait_for "reclaim 8M from .*tui-cache\\? \\[y/N\\]"
	tm send-keys -t "$sess" y Enter
	if wait_until 300 on_screen "reclaim .*tui-cache: usage .* fell by"; then
		t_ok "reclaim-measured"
		fell=$(screen | sed -n 's/.*fell by \([0-9.]*[KMG]*\) of.*/\1/p' | head -n1)
		check "reclaim-fell-at-least-4M" awk -v f="$fell" 'BEGIN {
			n = f + 0; u = substr(f, length(f)); if (u == "M") n *= 1024; else if (u == "G") n *= 1048576
			else if (u != "K") n /= 1024; exit !(n >= 4096) }'
	else
		t_fail "reclaim-measured" "no result line: $(screen | tail -n 2)"
	fi
	check_eq "reclaim-limit-restored" "$lim0" "$(cat "$cg_cache/$lim_file")"
	tm send-keys -t "$sess" / BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter
	check "reclaim-filter-cleared" wait_for "tui-big"
else
	t_skip "reclaim" "$FDIR is $(stat -f -c %T "$FDIR"): no page cache to reclaim"
fi
# resize, then a tiny terminal, then back
tm resize-window -t "$sess" -x 70 -y 15
check "resize-redraws" wait_for "tui-big"
width=$(screen | LC_ALL=C.UTF-8 wc -L)
check "resize-fits" test "$width" -le 70
tm resize-window -t "$sess" -x 20 -y 4
check "tiny-terminal" wait_for "terminal too"
tm resize-window -t "$sess" -x 120 -y 40
check "back-to-normal" wait_for "tui-big"
# a cgroup appearing and vanishing while it runs
cg_new tui-new
check "new-cgroup-appears" wait_for "tui-new"
rmdir "$CG" "$PSI_ROOT$CG_REL" 2>/dev/null
check "vanished-cgroup-goes" wait_gone_from "tui-new"
check "still-running" wait_for "memcgctl top"
# recent events: a hog in a limited cgroup without swap is OOM-killed and
# the detail pane of its cgroup says so (with the victim's pid and command
# where the kernel's mark_victim passes the task: it also carries anon_rss)
cg_new tui-oom 32M
cg_oom=$CG
if [[ $MEM_V2 == 0 ]]; then echo 0 >"$cg_oom/memory.swappiness"; else echo 0 >"$cg_oom/memory.swap.max"; fi
tm send-keys -t "$sess" / t u i - o o m Enter
check "events-cgroup-shown" wait_for "^ +tui-oom "
# the pane may still be open from above ('i' toggles it)
if on_screen " \(id [0-9]+\) "; then tm send-keys -t "$sess" End
else tm send-keys -t "$sess" End i; fi
check "events-detail-of-it" wait_for "tui-oom \\(id [0-9]+\\)"
check "events-none-yet" wait_for "recent events: none since top started"
cg_run "$cg_oom" "$MEMCGCTL_TEST_BIN/hog" -s 128M -q
wait "$PID" 2>/dev/null
check_eq "events-hog-killed" 137 "$?"
fmt=$(cat /sys/kernel/tracing/events/oom/mark_victim/format /sys/kernel/debug/tracing/events/oom/mark_victim/format 2>/dev/null)
if grep -q anon_rss <<<"$fmt"; then
	check "events-oom-victim" wait_for "OOM kill: pid $PID \\(hog\\)"
else
	check "events-oom-kill" wait_for "OOM kill x1"
fi
check "events-newest-first" wait_for "recent events \\(this cgroup and below\\)"
tm send-keys -t "$sess" i / BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter
check "events-pane-closed" wait_for "tui-big"
# quit
tm send-keys -t "$sess" q
check "quits-exit-0" wait_for "^EXIT=0"
# the shell writes the stty file just after printing EXIT=: wait for it
check "terminal-restored" wait_until 50 grep -q " icanon" "$T_TMP/stty"
check "process-gone" wait_until 50 top_gone
check_no_leaks "no-bpf-leaks" '^top_'

# NO_COLOR: no colour escape sequences on the screen
tm kill-session -t "$sess"
tm new-session -d -s "$sess" -x 120 -y 30 "NO_COLOR=1 $MEMCGCTL top /$T_PREFIX; sleep 30"
check "no-color-screen-up" wait_for "tui-big"
if tm capture-pane -e -p -t "$sess" | grep -qE $'\e\\[[0-9;]*3[0-7]m|\e\\[38;5'; then
	t_fail "no-color" "colour escapes with NO_COLOR"
else
	t_ok "no-color"
fi
tm send-keys -t "$sess" q
check "no-color-quits" wait_until 50 top_gone
tm kill-server 2>/dev/null
check_no_leaks "no-bpf-leaks-after-no-color" '^top_'

# --filter applies to the full-screen view from its first frame
tm kill-session -t "$sess" 2>/dev/null
tm new-session -d -s "$sess" -x 120 -y 30 "$MEMCGCTL top --filter small /$T_PREFIX; sleep 30"
check "filter-option-header" wait_for "filter: small"
check "filter-option-shows-match" wait_for "tui-small"
if screen | grep -q "tui-big"; then t_fail "filter-option-hides-other" "tui-big shown"; else t_ok "filter-option-hides-other"; fi
tm send-keys -t "$sess" / BSpace BSpace BSpace BSpace BSpace Enter
check "filter-option-editable" wait_for "tui-big"
tm send-keys -t "$sess" q
tm kill-session -t "$sess" 2>/dev/null

# a cgroup named to set the terminal title and clear the screen shows
# escaped, and the title stays ours
evil=$'tui-evil\e]2;pwned\a\e[2J\x9b'
cg_new "$evil"
tm new-session -d -s "$sess" -x 120 -y 30 "$MEMCGCTL top /$T_PREFIX; sleep 30"
check "escape-shown" wait_for 'tui-evil\\x1b\]2;pwned\\x07\\x1b\[2J\\x9b'
check "escape-rest-of-screen" wait_for "tui-big"
title=$(tm display-message -p -t "$sess" '#{pane_title}')
if [[ $title == *pwned* ]]; then t_fail "escape-title-kept" "title set to '$title'"; else t_ok "escape-title-kept"; fi
tm send-keys -t "$sess" q
check "escape-quits" wait_until 50 top_gone
tm kill-server 2>/dev/null
check_no_leaks "no-bpf-leaks-after-escape" '^top_'
