#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/apps/sqlite.sh: the SQLite shell from Debian's sqlite3 source package,
# built with toro-cc (make sqlite, tests/apps/sqlite.mk), on a FAT disk made
# by `toro mkdisk`. For each journal mode, two boots on one disk:
#   boot 1: `sqlite3 -init init.sql data/test.db ".read s1.sql"`: the config
#           (.bail, .headers, .mode, PRAGMAs, the schema) creates the database
#           on the disk; thousands of rows inserted in transactions, updated,
#           deleted (ON DELETE CASCADE), indexed, queried, a rollback, a
#           savepoint, a VACUUM (temporary files in /tmp). It ends inside a
#           transaction that changed every entry (more than the cache holds,
#           so it reached the files), at an error: .bail makes the shell exit
#           1 without closing the database, as a program that dies would. The
#           disk then holds a hot rollback journal, or a WAL whose last
#           transaction never committed.
#   boot 2: `sqlite3 data/test.db ".read s2.sql"`: the config now comes from
#           ~/.sqliterc (the home directory from the disk's /etc/passwd).
#           SQLite recovers (rolls the journal back, or replays the WAL), the
#           committed data of boot 1 is there and the unfinished change is
#           not; more is written, and the shell closes the database.
# After each boot, on the host: the console output equals what Debian's own
# sqlite3 prints for the same files, the counts and sums equal what awk
# computes from the workload's definition (not by SQLite), the files in
# data/ are those the host's run left, the database copied out of the image
# (with its journal or WAL) passes PRAGMA integrity_check and dumps exactly as
# the host's, and fsck.fat -n finds nothing.
# Modes: delete (rollback journal; pc, FAT16), wal (WAL with its -shm file
# mapped MAP_SHARED; microvm, FAT32), walx (WAL under locking_mode=EXCLUSIVE:
# the WAL index in memory, no -shm; q35, FAT12). By hand only (not in make
# test): truncate and persist (rollback journals kept as an empty or a
# zeroed file; microvm FAT16, pc FAT32).
#   tests/apps/sqlite.sh [--counts FILE] [--keep] [MODE...]
# Prints PASS/FAIL per check and "sqlite: N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$ROOT" || exit 2
counts= keep=0 modes=()
while [ $# -gt 0 ]; do
	case "$1" in
	--counts) counts=$2; shift ;;
	--keep) keep=1 ;;
	delete|wal|walx|truncate|persist) modes+=("$1") ;;
	*) echo "usage: $0 [--counts FILE] [--keep] [delete|wal|walx|truncate|persist]..." >&2; exit 2 ;;
	esac
	shift
done
[ ${#modes[@]} = 0 ] && modes=(delete wal walx)
ELF=${TORO_SQLITE_ELF:-build/apps/sqlite3.elf}  # another build of the shell to test
NA=2000 NE=8000 NE2=1000      # accounts, entries in boot 1, entries added in boot 2
TIMEOUT=${TORO_SQLITE_TIMEOUT:-300}
. tests/apps/lib.sh
app_init sqlite

# ---- the build (cached in build/: about a minute the first time) ----
app_build "$LOGS/build.log" sqlite
pass "build: $ELF ($build_s s)"
app_need sqlite3 fsck.fat mcopy mdir

# ---- the workload ----
# The guest and the host run the same files from a directory that holds
# them (relative paths: the guest's working directory is /).
mode_setup() { # MODE: the PRAGMAs of init.sql and of ~/.sqliterc
	case $1 in
	delete) init_pragmas="PRAGMA journal_mode=DELETE;" rc_pragmas="" ;;
	truncate) init_pragmas="PRAGMA journal_mode=TRUNCATE;" rc_pragmas="PRAGMA journal_mode=TRUNCATE;" ;;
	persist) init_pragmas="PRAGMA journal_mode=PERSIST;" rc_pragmas="PRAGMA journal_mode=PERSIST;" ;;
	wal) init_pragmas="PRAGMA journal_mode=WAL;" rc_pragmas="" ;;
	walx) init_pragmas=$'PRAGMA locking_mode=EXCLUSIVE;\nPRAGMA journal_mode=WAL;'
	      rc_pragmas="PRAGMA locking_mode=EXCLUSIVE;" ;;
	esac
}

make_files() { # DIR MODE
	local d=$1
	mode_setup "$2"
	mkdir -p "$d/data" "$d/etc" "$d/root"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$d/etc/passwd"
	cat > "$d/init.sql" <<-EOF
	.bail on
	.headers on
	.mode csv
	.nullvalue NULL
	$init_pragmas
	PRAGMA synchronous=FULL;
	PRAGMA foreign_keys=ON;
	PRAGMA cache_size=-256;
	CREATE TABLE IF NOT EXISTS account(id INTEGER PRIMARY KEY, name TEXT NOT NULL,
	  balance INTEGER NOT NULL, note TEXT);
	CREATE TABLE IF NOT EXISTS entry(id INTEGER PRIMARY KEY,
	  account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	  amount INTEGER NOT NULL, memo TEXT);
	EOF
	cat > "$d/root/.sqliterc" <<-EOF
	.bail on
	.headers on
	.mode list
	.separator ";"
	$rc_pragmas
	PRAGMA foreign_keys=ON;
	PRAGMA cache_size=-256;
	EOF
	# Entry i belongs to account 1 + 7i mod NA (boot 2 avoids the accounts
	# boot 1 deleted: those with id % 10 = 0); amount i % 100 - 30; a memo of
	# 5 to 160 bytes.
	local entry="SELECT i, 1 + (i * 7) % $NA, i % 100 - 30,
	  printf('memo %d ', i) || substr(replace(printf('%150s', ''), ' ', 'x'), 1, i % 150) FROM n"
	{
		echo ".print == boot 1: insert, update, delete, index, query"
		for ((t = 0; t < 4; t++)); do
			echo "BEGIN;"
			awk -v a=$((t * NA / 4 + 1)) -v b=$(((t + 1) * NA / 4)) 'BEGIN {
				for (i = a; i <= b; i++)
					printf "INSERT INTO account VALUES(%d, %s, %d, %s);\n", i,
					    sprintf("\x27acct-%05d\x27", i), i * 10,
					    i % 7 ? sprintf("\x27note %d\x27", i) : "NULL"
			}'
			echo "COMMIT;"
		done
		cat <<-EOF
		BEGIN;
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $NE)
		INSERT INTO entry $entry;
		COMMIT;
		SELECT count(*) AS accounts, sum(balance) AS balance FROM account;
		SELECT count(*) AS entries, sum(amount) AS amount FROM entry;
		BEGIN;
		UPDATE account SET balance = balance + 7 WHERE id % 3 = 0;
		UPDATE entry SET amount = amount * 2 WHERE id % 5 = 0;
		SELECT name AS in_transaction FROM fsdir('data') ORDER BY name;
		COMMIT;
		DELETE FROM account WHERE id % 10 = 0;
		DELETE FROM entry WHERE amount < -25;
		CREATE INDEX entry_account ON entry(account);
		CREATE UNIQUE INDEX account_name ON account(name);
		SELECT count(*) AS accounts, sum(balance) AS balance FROM account;
		SELECT count(*) AS entries, sum(amount) AS amount FROM entry;
		SELECT a.name, count(*) AS n, sum(e.amount) AS total, a.note FROM account a
		  JOIN entry e ON e.account = a.id GROUP BY a.id ORDER BY total DESC, a.id LIMIT 3;
		EXPLAIN QUERY PLAN SELECT * FROM entry WHERE account = 42;
		BEGIN;
		DELETE FROM entry;
		SELECT count(*) AS during FROM entry;
		ROLLBACK;
		SELECT count(*) AS after_rollback FROM entry;
		SAVEPOINT sp;
		DELETE FROM account WHERE id < 100;
		ROLLBACK TO sp;
		RELEASE sp;
		SELECT count(*) AS after_savepoint FROM account;
		VACUUM;
		PRAGMA integrity_check;
		PRAGMA foreign_key_check;
		PRAGMA journal_mode;
		.print == an unfinished transaction, then an error: no close
		BEGIN;
		UPDATE entry SET amount = amount + 1000000, memo = memo || ' changed';
		SELECT count(*) AS changed FROM entry WHERE amount > 900000;
		SELECT name AS unfinished FROM fsdir('data') ORDER BY name;
		SELECT * FROM no_such_table;
		EOF
	} > "$d/s1.sql"
	# Boot 2 asks for memory-mapped reads (Debian's build maps the database;
	# Toro's build has none, docs/apps.md), then changes rows without growing
	# the file and checkpoints before reading them back: a mapping that
	# missed the checkpoint's writes would show the old rows.
	cat > "$d/s2.sql" <<-EOF
	.print == boot 2: the database of boot 1, reopened
	.output /dev/null
	PRAGMA mmap_size=67108864;
	.output stdout
	SELECT count(*) AS accounts, sum(balance) AS balance FROM account;
	SELECT count(*) AS entries, sum(amount) AS amount FROM entry;
	SELECT count(*) AS changed FROM entry WHERE amount > 900000 OR memo GLOB '* changed';
	PRAGMA journal_mode;
	UPDATE account SET note = 'boot 2' WHERE id % 11 = 0;
	PRAGMA wal_checkpoint(TRUNCATE);
	SELECT count(*) AS noted FROM account WHERE note = 'boot 2';
	BEGIN;
	WITH RECURSIVE n(i) AS (SELECT $((NE + 1)) UNION ALL SELECT i + 1 FROM n WHERE i < $((NE + NE2)))
	INSERT INTO entry SELECT i, CASE WHEN (1 + (i * 7) % $NA) % 10 = 0 THEN (i * 7) % $NA
	  ELSE 1 + (i * 7) % $NA END, i % 100 - 30, printf('boot 2 memo %d', i) FROM n;
	SELECT name AS in_transaction FROM fsdir('data') ORDER BY name;
	COMMIT;
	DELETE FROM account WHERE id BETWEEN 100 AND 199;
	SELECT count(*) AS accounts, sum(balance) AS balance FROM account;
	SELECT count(*) AS entries, sum(amount) AS amount FROM entry;
	CREATE TABLE noted AS SELECT * FROM account WHERE note = 'boot 2';
	SELECT count(*) AS copied FROM noted;
	PRAGMA integrity_check;
	PRAGMA foreign_key_check;
	EOF
	printf '%s\n' ".print == boot 3: a read-only disk" \
		"SELECT count(*) AS accounts, sum(balance) AS balance FROM account;" \
		"INSERT INTO account VALUES($((NA + 1)), 'read-only', 1, NULL);" > "$d/s3.sql"
}

# What the counts and sums must be, computed from the workload's definition
# (not by SQLite): four lines "accounts balance entries amount" after boot 1's
# inserts, at the end of boot 1, at the start and at the end of boot 2; then
# the accounts boot 2 notes, and how many of those its deletion leaves.
expected() {
	awk -v NA=$NA -v NE=$NE -v NE2=$NE2 '
	function state(   na, sb, ne, sa, i) {
		for (i in bal) { na++; sb += bal[i] }
		for (i in amt) { ne++; sa += amt[i] }
		printf "%d %d %d %d\n", na, sb, ne, sa
	}
	BEGIN {
		for (i = 1; i <= NA; i++) bal[i] = i * 10
		for (i = 1; i <= NE; i++) { acc[i] = 1 + (i * 7) % NA; amt[i] = i % 100 - 30 }
		state()
		for (i = 1; i <= NA; i++) if (i % 3 == 0) bal[i] += 7
		for (i = 1; i <= NE; i++) if (i % 5 == 0) amt[i] *= 2
		for (i = 1; i <= NA; i++) if (i % 10 == 0) delete bal[i]
		for (i in amt) if (!(acc[i] in bal) || amt[i] < -25) delete amt[i]
		state(); state()
		for (i = NE + 1; i <= NE + NE2; i++) {
			a = 1 + (i * 7) % NA
			acc[i] = a % 10 == 0 ? a - 1 : a
			amt[i] = i % 100 - 30
		}
		for (i = 100; i <= 199; i++) delete bal[i]
		for (i in amt) if (!(acc[i] in bal)) delete amt[i]
		state()
		for (i = 11; i <= NA; i += 11) if (i % 10) { noted++; if (i < 100 || i > 199) kept++ }
		printf "%d %d\n", noted, kept
	}'
}

# ---- one mode: two boots, each checked ----
fsck_clean() { # IMAGE: fsck.fat -n says nothing beyond its version and summary
	local out
	out=$(fsck.fat -n "$1" 2>&1) || { echo "fsck.fat -n exit $?: $out"; return 1; }
	out=$(printf '%s\n' "$out" | grep -vE '^fsck\.fat [0-9.]+ |: [0-9]+ files, [0-9]+/[0-9]+ clusters$')
	[ -z "$out" ] || { echo "fsck.fat -n: $out"; return 1; }
}

# reference DIR N: Debian's sqlite3 runs boot N's command in DIR (boot 2's
# config given with -init: the host's own ~/.sqliterc is not ours; stdout
# line-buffered so that error lines fall where they do on the console), then
# what the checks compare with: ref.N.out, .rc, .files (data/'s names) and
# .dump (of a copy: opening it recovers a journal or WAL).
reference() {
	local dir=$1 n=$2 w=$1/.. init=init.sql
	[ "$n" = 2 ] && init=root/.sqliterc
	(cd "$dir" && stdbuf -oL sqlite3 -batch -init "$init" data/test.db ".read s$n.sql" \
		> "$w/ref.$n.out" 2>&1; echo $? > "$w/ref.$n.rc")
	ls "$dir/data" | sort | tr '\n' ' ' > "$w/ref.$n.files"
	rm -rf "$w/refcopy" && cp -r "$dir/data" "$w/refcopy"
	sqlite3 "$w/refcopy/test.db" .dump > "$w/ref.$n.dump" 2>&1
}

# check_boot MODE N LOG RC WANT: the guest's console against the host's
# output and exit status, and the lines WANT (one a line) among it
check_boot() {
	local mode=$1 n=$2 log=$3 rc=$4 want=$5 why= w=$work/$1
	local out=${log%.log}.out ref_rc
	ref_rc=$(cat "$w/ref.$n.rc")
	# bin/toro drops every \r of the console (the kernel sends \n as \r\n),
	# so the CSV mode's \r\n line ends arrive as \n.
	grep -v '^toro: ' "$log" > "$out"
	if [ "$rc" != "$ref_rc" ]; then
		why="exit status $rc, Debian's sqlite3 $ref_rc"
	elif grep -qE '^toro: (panic|kernel panic|kernel fault|unsupported system call)' "$log"; then
		why=$(grep -m1 -E '^toro: (panic|kernel|unsupported)' "$log")
	elif ! diff -u <(tr -d '\r' < "$w/ref.$n.out") "$out" > "$out.diff"; then
		why="output differs from Debian's sqlite3 on the host (${out#"$ROOT/"}.diff)"
	else
		local line
		while read -r line; do
			grep -qxF -- "$line" "$out" || { why="no line '$line'"; break; }
		done <<< "$want"
	fi
	if [ -z "$why" ]; then
		pass "$mode boot $n: output and exit status $rc as Debian's sqlite3, counts as computed ($(( SECONDS - boot_t0 )) s)"
	else
		fail "$mode boot $n: $why"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}

# check_disk MODE N IMG: the database and the volume after boot N
check_disk() {
	local mode=$1 n=$2 img=$3 why= w=$work/$1 d=$work/$1/check$2 files f
	rm -rf "$d" && mkdir -p "$d"
	export MTOOLS_SKIP_CHECK=1
	files=$(mdir -b -i "$img" ::/data 2>/dev/null | sed 's|^::/data/||' | sort | tr '\n' ' ')
	for f in $files; do
		mcopy -n -i "$img" "::/data/$f" "$d/$f" 2>> "$d/mcopy.err" || why="mcopy of data/$f: $(cat "$d/mcopy.err")"
	done
	if [ -n "$why" ]; then
		:
	elif [ "$files" != "$(cat "$w/ref.$n.files")" ]; then
		why="files in data/: '$files', the host's run left '$(cat "$w/ref.$n.files")'"
	elif [ "$(sqlite3 "$d/test.db" 'PRAGMA integrity_check;' 2>&1)" != ok ]; then
		why="integrity_check: $(sqlite3 "$d/test.db" 'PRAGMA integrity_check;' 2>&1 | head -n 3)"
	elif ! sqlite3 "$d/test.db" .dump 2>&1 | cmp -s - "$w/ref.$n.dump"; then
		why="the rows differ from the host's database (.dump)"
	else
		why=$(fsck_clean "$img")
	fi
	if [ -z "$why" ]; then
		pass "$mode boot $n: on the host: data/ = ${files% }, integrity ok, rows as the host's, fsck.fat clean"
	else
		fail "$mode boot $n: $why"
	fi
}

# check_readonly MODE MACHINE IMG WANT: boot 3 on the disk attached read-only
# (delete mode): the data reads, the INSERT gets SQLite's "attempt to write a
# readonly database" (its open for writing was EROFS, as on a read-only
# mount on Linux, so it fell back to reading), exit 1 (.bail), the image
# unchanged. (A WAL database cannot be opened there without its -shm and
# -wal files, as SQLite documents: docs/apps.md.)
check_readonly() {
	local mode=$1 machine=$2 img=$3 want=$4 why= log=$LOGS/sqlite.$1.boot3.log sum rc line
	sum=$(sha256sum < "$img")
	boot_t0=$SECONDS
	bin/toro run --timeout "$TIMEOUT" --machine "$machine" --mem 32 --disk "$img,ro" "$ELF" \
		-- -- -batch data/test.db ".read s3.sql" > "$log" 2> "$log.stderr"
	rc=$?
	if [ "$rc" != 1 ]; then
		why="exit status $rc, not 1"
	elif [ "$sum" != "$(sha256sum < "$img")" ]; then
		why="the read-only image changed"
	else
		while read -r line; do
			grep -qxF -- "$line" "$log" || { why="no line '$line'"; break; }
		done <<< "$want"$'\n'"Runtime error near line 3: attempt to write a readonly database (8)"
	fi
	if [ -z "$why" ]; then
		pass "$mode boot 3: read-only disk: the data reads, the INSERT is refused, exit 1, image unchanged ($(( SECONDS - boot_t0 )) s)"
	else
		fail "$mode boot 3 (read-only disk): $why"
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}

run_mode() { # MODE MACHINE FAT SIZE
	local mode=$1 machine=$2 fat=$3 size=$4 w=$work/$1
	mkdir -p "$w/disk"
	make_files "$w/disk" "$mode"
	cp -r "$w/disk" "$w/host"
	reference "$w/host" 1
	reference "$w/host" 2
	if [ "$(cat "$w/ref.2.rc")" != 0 ]; then
		fail "$mode: Debian's sqlite3 fails on the workload"
		tail -n 5 "$w/ref.1.out" "$w/ref.2.out" | sed 's/^/    /'
		return
	fi
	local img=$w/disk.img
	bin/toro mkdisk --fat "$fat" --size "$size" -o "$img" "$w/disk" > /dev/null ||
		{ fail "$mode: toro mkdisk"; return; }
	# The lines each boot must print: the counts and sums awk computed.
	local ex want1 want2 log rc n args
	ex=$(expected)
	want1=$(printf 'accounts,balance\nentries,amount\n'; echo "$ex" |
		awk 'NR <= 2 { print $1 "," $2; print $3 "," $4 }'; echo "changed"; echo "$ex" | awk 'NR == 2 { print $3 }')
	want2=$(printf 'accounts;balance\nentries;amount\nchanged\n0\nnoted\ncopied\n'; echo "$ex" |
		awk 'NR == 3 || NR == 4 { print $1 ";" $2; print $3 ";" $4 } NR == 5 { print $1; print $2 }')
	for n in 1 2; do
		log=$LOGS/sqlite.$mode.boot$n.log
		args=(-batch)
		[ $n = 1 ] && args+=(-init init.sql)
		boot_t0=$SECONDS
		bin/toro run --timeout "$TIMEOUT" --machine "$machine" --mem 32 --disk "$img" "$ELF" \
			-- -- "${args[@]}" data/test.db ".read s$n.sql" > "$log" 2> "$log.stderr"
		rc=$?
		check_boot "$mode" $n "$log" "$rc" "$([ $n = 1 ] && echo "$want1" || echo "$want2")"
		check_disk "$mode" $n "$img"
	done
	[ "$mode" = delete ] && check_readonly "$mode" "$machine" "$img" \
		"$(echo "$ex" | awk 'NR == 4 { print "accounts;balance"; print $1 ";" $2 }')"
}

for mode in "${modes[@]}"; do
	case $mode in
	delete) run_mode delete pc 16 32M ;;
	wal) run_mode wal microvm 32 64M ;;
	walx) run_mode walx q35 12 16M ;;
	truncate) run_mode truncate microvm 16 32M ;;
	persist) run_mode persist pc 32 64M ;;
	esac
done
finish
