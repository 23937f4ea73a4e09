#!/bin/bash
# SPDX-License-Identifier: MIT
# tools/debian-src.sh: where Toro's fetch scripts get Debian source packages
# from. The archive's address and suite come from the system's own apt sources
# (what apt-config names: /etc/apt/sources.list and sources.list.d/*.list in
# one-line form, sources.list.d/*.sources in deb822 form), so a machine that
# reaches Debian through a mirror works unchanged; with no Debian entry there,
# http://deb.debian.org/debian and a note on stderr. The downloads themselves
# are made by apt-get with the system's apt.conf, so Acquire::http::Proxy and
# the like apply as they do to apt.
#   tools/debian-src.sh mirror
#       prints "URI SUITE" (e.g. "http://deb.debian.org/debian bookworm")
#   tools/debian-src.sh fetch --name NAME --sums FILE --suite SUITE --apt-dir DIR
#                             --out DIR PACKAGE=VERSION
#       downloads the source package through a private deb-src list and apt
#       state in --apt-dir (the system's configuration is not touched), from the
#       system's archive with the system's suite and SUITE (the one the pinned
#       VERSION is in), checks every file against FILE (sha256sum -c format)
#       and only then puts them in --out (replacing it). Exit 1 with a message
#       on any failure; nothing half-downloaded is left in --out.
#   tools/debian-src.sh unpack --sums FILE --src DIR --out DIR [--skip PATCH]...
#       unpacks the upstream tarball named in FILE (the .orig.tar.*) from --src,
#       applies Debian's patch series (debian/patches/series) in its order but
#       for the --skip ones, and moves the tree to --out whole, with a stamp
#       (--out/.unpacked) naming the checksums and skips: run again, it does
#       nothing but touch the stamp (Makefile rules depend on it).
# TORO_APT_SOURCES_LIST and TORO_APT_SOURCES_PARTS (a file, a directory)
# replace apt-config's answers (tests/tools/debian-src.sh uses them).
set -euo pipefail

FALLBACK_URI=http://deb.debian.org/debian
FALLBACK_SUITE=bookworm
# Debian's release names and aliases: an entry whose suite is one of these (or
# one of them with -updates or -backports) is Debian's main archive; the
# security archive (-security) has no full source tree and is skipped, as are
# other vendors' repositories (their suites are their own).
RELEASES=" buzz rex bo hamm slink potato woody sarge etch lenny squeeze wheezy jessie
 stretch buster bullseye bookworm trixie forky duke sid stable oldstable oldoldstable
 testing unstable "

die() { echo "debian-src: $*" >&2; exit 1; }

# The source list files apt reads, in apt's order: sources.list, then the
# parts directory's *.list and *.sources by name.
source_files() {
	local list parts f
	list=${TORO_APT_SOURCES_LIST-}
	parts=${TORO_APT_SOURCES_PARTS-}
	if [ -z "$list" ] && [ -z "$parts" ] && command -v apt-config >/dev/null; then
		eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
	fi
	[ -n "$list" ] && [ -f "$list" ] && echo "$list"
	if [ -n "$parts" ] && [ -d "$parts" ]; then
		for f in "$parts"/*; do
			case "$f" in
			*.list|*.sources) [ -f "$f" ] && echo "$f" ;;
			esac
		done | LC_ALL=C sort
	fi
	return 0
}

# Every entry of one file as "TYPE URI SUITE COMPONENTS..." lines (deb822
# paragraphs with several types, URIs or suites give one line per triple).
entries() { # FILE
	case "$1" in
	*.sources) deb822_entries "$1" ;;
	*) oneline_entries "$1" ;;
	esac
}

oneline_entries() { # FILE: "deb [opt=v ...] URI SUITE COMPONENT..."
	sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$1" |
		awk '($1 == "deb" || $1 == "deb-src") && NF >= 3 { print }'
}

deb822_entries() { # FILE: paragraphs of "Field: value", continuation lines indented
	awk '
	function flush(   t, u, s, nt, nu, ns, i, j, k, T, U, S) {
		if (tolower(f["enabled"]) != "no" && f["types"] != "" && f["uris"] != "" && f["suites"] != "") {
			nt = split(f["types"], T, " "); nu = split(f["uris"], U, " ")
			ns = split(f["suites"], S, " ")
			for (i = 1; i <= nt; i++) for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
				print T[i], U[j], S[k], f["components"]
		}
		delete f; last = ""
	}
	/^#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { if (last != "") { sub(/^[ \t]+/, ""); f[last] = f[last] " " $0 } next }
	{
		i = index($0, ":"); if (i == 0) next
		last = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
		gsub(/[ \t]+/, " ", v); sub(/^ /, "", v); sub(/ $/, "", v)
		f[last] = v
	}
	END { flush() }' "$1"
}

# The first entry of Debian's main archive with the main component:
# "URI SUITE", the suite without -updates/-backports.
find_mirror() {
	local f type uri suite comps base
	while read -r f; do
		while read -r type uri suite comps; do
			case "$uri" in
			cdrom:*|"") continue ;;
			*:*) ;;
			*) continue ;;
			esac
			case "$suite" in */*|*-security) continue ;; esac
			base=${suite%-updates}; base=${base%-backports}; base=${base%-proposed-updates}
			case "$RELEASES" in *" $base "*) ;; *) continue ;; esac
			case " $comps " in *" main "*) ;; *) continue ;; esac
			echo "${uri%/} $base"
			return 0
		done < <(entries "$f")
	done < <(source_files)
	return 1
}

mirror() {
	if ! find_mirror; then
		echo "debian-src: note: no Debian archive in the system's apt sources; using $FALLBACK_URI $FALLBACK_SUITE" >&2
		echo "$FALLBACK_URI $FALLBACK_SUITE"
	fi
}

fetch() {
	local name="" sums="" suite="" aptdir="" out="" pkg="" uri sys_suite suites keyring tmp
	while [ $# -gt 0 ]; do
		case "$1" in
		--name|--sums|--suite|--apt-dir|--out)
			[ $# -ge 2 ] || die "$1 needs a value"
			case "$1" in
			--name) name=$2 ;; --sums) sums=$2 ;; --suite) suite=$2 ;;
			--apt-dir) aptdir=$2 ;; --out) out=$2 ;;
			esac
			shift ;;
		-*) die "fetch: unknown option $1" ;;
		*) pkg=$1 ;;
		esac
		shift
	done
	[ -n "$name" ] && [ -n "$sums" ] && [ -n "$suite" ] && [ -n "$aptdir" ] && [ -n "$out" ] &&
		[ -n "$pkg" ] || die "fetch: usage: fetch --name N --sums F --suite S --apt-dir D --out D PKG=VERSION"
	[ -f "$sums" ] || die "fetch: $sums missing"
	command -v apt-get >/dev/null || die "apt-get not found: $name comes from Debian's source package ${pkg%%=*}"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "$keyring missing: apt-get install debian-archive-keyring"
	read -r uri sys_suite < <(mirror)
	suites=$sys_suite
	[ "$sys_suite" = "$suite" ] || suites="$sys_suite $suite"
	mkdir -p "$aptdir/sources" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	cat > "$aptdir/sources/$name.sources" <<-SRCLIST
	Types: deb-src
	URIs: $uri
	Suites: $suites
	Components: main
	Signed-By: $keyring
	SRCLIST
	local opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$aptdir/sources"
		-o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache"
		-o APT::Sandbox::User=root -qq)
	echo "debian-src: downloading Debian's ${pkg%%=*} source package (${pkg#*=}) from $uri ($suites)"
	apt-get "${opts[@]}" --error-on=any update ||
		die "apt-get update of the private deb-src list ($uri $suites) failed (network? proxy?)"
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp -d "$(dirname "$out")/$name-dl.XXXXXX")
	(cd "$tmp" && apt-get "${opts[@]}" source --download-only "$pkg") ||
		{ rm -rf "$tmp"; die "apt-get source --download-only $pkg failed"; }
	if ! (cd "$tmp" && sha256sum --quiet -c "$sums"); then
		rm -rf "$tmp"
		die "checksum mismatch against $sums: refusing the download"
	fi
	rm -rf "$out"
	mv "$tmp" "$out"
}

unpack() {
	local sums="" src="" out="" skips=" " stamp orig debian top p
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || die "unpack: $1 needs a value"
		case "$1" in
		--sums) sums=$2 ;; --src) src=$2 ;; --out) out=$2 ;; --skip) skips+="$2 " ;;
		*) die "unpack: unknown option $1" ;;
		esac
		shift 2
	done
	[ -n "$sums" ] && [ -n "$src" ] && [ -n "$out" ] ||
		die "unpack: usage: unpack --sums F --src D --out D [--skip PATCH]..."
	stamp="$(sha256sum "$sums" | cut -c1-16)$skips"
	if [ "$(cat "$out/.unpacked" 2>/dev/null)" = "$stamp" ]; then
		touch "$out/.unpacked"
		return 0
	fi
	orig=$(awk '$2 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $2; exit }' "$sums")
	debian=$(awk '$2 ~ /\.debian\.tar\.[a-z0-9]+$/ { print $2; exit }' "$sums")
	[ -n "$orig" ] && [ -f "$src/$orig" ] || die "unpack: no upstream tarball of $sums in $src"
	mkdir -p "$(dirname "$out")"
	tmp=$(mktemp -d "$(dirname "$out")/unpack.XXXXXX")	# global: the trap runs at exit
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf "$src/$orig" || die "cannot unpack $orig"
	top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$top" ] || die "$orig holds no directory"
	if [ -n "$debian" ]; then
		mkdir "$tmp/deb"
		tar -C "$tmp/deb" -xf "$src/$debian" || die "cannot unpack $debian"
		if [ -f "$tmp/deb/debian/patches/series" ]; then
			while read -r p _; do
				case "$p" in ''|'#'*) continue ;; esac
				case "$skips" in *" $p "*) echo "debian-src: leaving out Debian's patch $p"; continue ;; esac
				patch -s -d "$top" -p1 --no-backup-if-mismatch < "$tmp/deb/debian/patches/$p" ||
					die "Debian's patch $p does not apply"
			done < "$tmp/deb/debian/patches/series"
		fi
	fi
	rm -rf "$out"
	mv "$top" "$out"
	echo "$stamp" > "$out/.unpacked"
	echo "debian-src: $orig unpacked into $out"
}

case "${1:-}" in
mirror) mirror ;;
fetch) shift; fetch "$@" ;;
unpack) shift; unpack "$@" ;;
*) echo "usage: $0 mirror | fetch --name N --sums F --suite S --apt-dir D --out D PKG=VERSION | unpack --sums F --src D --out D [--skip PATCH]..." >&2; exit 2 ;;
esac
