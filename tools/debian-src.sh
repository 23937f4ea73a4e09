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

case "${1:-}" in
mirror) mirror ;;
fetch) shift; fetch "$@" ;;
*) echo "usage: $0 mirror | fetch --name N --sums F --suite S --apt-dir D --out D PKG=VERSION" >&2; exit 2 ;;
esac
