# SPDX-License-Identifier: MIT
# The rounds table of `make bench`, sourced by bench/run.sh before the parts that
# add rows to it (bench/http.sh, insn.sh, bulk.sh, redis.sh): helpers to record
# the host's load around each sample and to print one row per figure with the
# median and min-max of each system and min / median / max of the same-round
# Toro/Linux ratio, the load next to it and the target's PASS/MISS.
# What is measured and how: docs/bench.md, "The rounds table".

# load_mark KEY: the host's 1-minute load average now, as a raw row of KEY;
# the row of KEY shows the first and the last (before its first sample, after
# its last).
load_mark() {
	printf 'load\t%s\t-\t%s\n' "$1" "$(cut -d' ' -f1 /proc/loadavg)" >> "$RAW"
}
load_span() {	# KEY -> "first->last" of its load marks, or -
	awk -F'\t' -v k="$1" '$1 == "load" && $2 == k { if (!n++) a = $4; b = $4 }
		END { if (n) printf "%s->%s\n", a, b; else print "-" }' "$RAW"
}

# stats KIND SYSTEM MACHINE -> "median min max" of the raw values, or "- - -"
stats() {
	awk -F'\t' -v k="$1" -v s="$2" -v m="$3" '$1 == k && $2 == s && $3 == m { print $4 }' "$RAW" |
		sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - -"; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.6g %.6g %.6g\n", med, v[1], v[NR] }'
}
fmt_num() {	# NUMBER -> 3 significant decimals at most, thousands kept whole
	[ "$1" = - ] && { echo -; return; }
	awk -v v="$1" 'BEGIN { if (v >= 100 || v <= -100) printf "%.0f\n", v
		else if (v >= 10) printf "%.1f\n", v; else printf "%.2f\n", v }'
}
cell() {	# KIND SYSTEM MACHINE -> "median [min-max]" or -
	local med lo hi
	read -r med lo hi <<<"$(stats "$@")"
	[ "$med" = - ] && { echo -; return; }
	if [ "$lo" = "$hi" ]; then fmt_num "$med"
	else echo "$(fmt_num "$med") [$(fmt_num "$lo")-$(fmt_num "$hi")]"; fi
}
ratio_cell() {	# KIND SYSTEM MACHINE -> "min/median/max" or -
	local med lo hi
	read -r med lo hi <<<"$(stats "$@")"
	[ "$med" = - ] && { echo -; return; }
	echo "$(fmt_num "$lo")/$(fmt_num "$med")/$(fmt_num "$hi")"
}
ratio_median() { local med lo hi; read -r med lo hi <<<"$(stats "$@")"; echo "$med"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", a / b }'; }	# A B -> A/B

ROUNDS_HEADER=0
rounds_header() {
	[ "$ROUNDS_HEADER" = 1 ] && return 0
	ROUNDS_HEADER=1
	{
		echo
		echo "Rounds, microvm: Toro, Linux, Toro, Linux, ... (a fresh boot each); a system's figure is"
		echo "median [min-max] of the rounds; toro/linux is min/median/max of the same-round ratios;"
		echo "load: the host's 1-minute load average before the row's first sample -> after its last"
	} >> "$TXT"
	rrow figure linux toro "toro/linux" load target verdict
}
rrow() {	# FIGURE LINUX TORO RATIO LOAD TARGET VERDICT
	printf '%-44s %20s %20s %15s %12s   %-18s %s\n' "$@" >> "$TXT"
}

# rounds_row LABEL KIND MACHINE RATIO-KIND LOAD-KEY UNIT [OP LIMIT TARGET-TEXT]:
# the row of a figure measured in rounds: each system's median [min-max],
# the same-round ratios (raw rows RATIO-KIND toro MACHINE) judged on their
# median against OP LIMIT, and the TSV lines (metric KIND_MACHINE).
rounds_row() {
	local label=$1 kind=$2 m=$3 rk=$4 key=$5 unit=$6 op=${7:-} lim=${8:-} tt=${9:-} s v t=
	for s in linux toro; do
		v=$(ratio_median "$kind" $s "$m")
		[ "$v" != - ] && tsv "${kind}_$m" microvm $s "$v" "$unit"
	done
	v=$(ratio_median "$rk" toro "$m")
	[ "$v" != - ] && tsv "${rk}_$m" microvm toro "$v" x
	if [ -n "$op" ]; then
		t=$(verdict "$v" "$op" "$lim")
		tsv "target_${rk}_$m" microvm toro "$t" -
	fi
	rrow "$label ($unit)" "$(cell "$kind" linux "$m")" "$(cell "$kind" toro "$m")" \
		"$(ratio_cell "$rk" toro "$m")" "$(load_span "$key")" "$tt" "$t"
}
