#!/usr/bin/env bash
# test_pkgdb_real.sh LAYERSCAN SRCDIR WORKDIR
#
# The package database parsers (analyzer/pkgdb) against databases written by
# the real tools, not by us: dpkg installs two .deb files built with
# dpkg-deb into a fresh root (dpkg writes the md5sums itself when a package
# ships none) and removes one of them (its stanza stays as config-files);
# rpm installs packages built with rpmbuild into a fresh rpmdb.sqlite (rpm
# leaves it in WAL mode); pip installs a wheel with a script into a --root.
# tests/tools/pkgdb_dump prints what our parser reads; every digest must be
# the digest of the installed file (md5sum, sha256sum, sha512sum), every
# version the one the tool recorded, and the set of files exactly the set
# installed. apk has no Debian tool: test_pkgdb.c covers its format.
# LAYERSCAN_PKGDB_DUMP (set by tests/CMakeLists.txt) is the dump binary.
set -euo pipefail

LAYERSCAN="${1:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
SRCDIR="${2:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
WORKDIR="${3:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
: "$LAYERSCAN"
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "${SRCDIR}/tests/interop/lib.sh"

DUMP="${LAYERSCAN_PKGDB_DUMP:-$(dirname "$LAYERSCAN")/tests/pkgdb_dump}"
[ -x "$DUMP" ] || interop_die "pkgdb_dump '$DUMP' not found (LAYERSCAN_PKGDB_DUMP)"
interop_require dpkg-deb:dpkg-dev rpm:rpm rpmbuild:rpm md5sum:coreutils
python3 -m pip --version >/dev/null 2>&1 || interop_require pip3:python3-pip
interop_tmpdir "$WORKDIR" pkgdb
T="$INTEROP_TMP"
echo "# workdir $T"

# expect_eq DESC GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then
        interop_ok "$1"
    else
        interop_fail "$1"
        echo "#   got:"; sed 's/^/#     /' <<<"$2"
        echo "#   want:"; sed 's/^/#     /' <<<"$3"
    fi
}

# dump ROOT IMAGE_PATH OUT - our records of ROOT/IMAGE_PATH into OUT
dump() {
    local rc=0
    "$DUMP" "$1$2" "$2" >"$3" 2>"$3.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        interop_fail "pkgdb_dump $2: exit $rc: $(cat "$3.err")"
        return 1
    fi
    interop_ok "pkgdb_dump $2: read whole ($(wc -l <"$3") records)"
}

# check_digests ROOT DUMP - every record with a digest matches the file under ROOT
check_digests() {
    local root="$1" out="$2" kind manager path pkg ver algo hex got bad=0 n=0
    while IFS=$'\t' read -r kind manager path pkg ver algo hex; do
        [ "$kind" = file ] && [ "$algo" != none ] || continue
        n=$((n + 1))
        got="$("${algo}sum" <"$root$path" 2>/dev/null | cut -d' ' -f1 || true)"
        if [ "$got" != "$hex" ]; then
            echo "#   $path: recorded $algo $hex, installed file has ${got:-nothing}"
            bad=1
        fi
    done <"$out"
    if [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]; then
        interop_ok "$(basename "$out"): all $n recorded digests equal the installed files' digests"
    else
        interop_fail "$(basename "$out"): $n digests checked, mismatches above"
    fi
}

# ------------------------------------------------------------------ dpkg
ARCH="$(dpkg --print-architecture)"
mkdeb() { # NAME VERSION ARCH DIR
    mkdir -p "$4/DEBIAN"
    {
        echo "Package: $1"
        echo "Version: $2"
        echo "Architecture: $3"
        [ "$3" = all ] || echo "Multi-Arch: same"
        echo "Maintainer: Test <test@example.com>"
        echo "Description: layerscan pkgdb test"
        echo " a fake package for tests/integration/test_pkgdb_real.sh"
    } >"$4/DEBIAN/control"
    interop_run_checked "dpkg-deb --build $1" dpkg-deb --root-owner-group --build "$4" "$T/$1.deb"
}
D="$T/deb-a"
mkdir -p "$D/usr/share/ls-test"
printf 'FAKE_TOKEN=not-a-secret-dpkg\n' >"$D/usr/share/ls-test/key.txt"
printf 'a file name with spaces\n' >"$D/usr/share/ls-test/a b.txt"
mkdeb ls-test-pkg 1:2.3-4+deb12u1 all "$D"
D="$T/deb-b"
mkdir -p "$D/DEBIAN" "$D/etc" "$D/usr/lib/ls-test"
printf 'setting=1\n' >"$D/etc/ls-test.conf"
echo /etc/ls-test.conf >"$D/DEBIAN/conffiles"
printf 'library bytes\n' >"$D/usr/lib/ls-test/lib.so"
mkdeb ls-test-conf 0.9-1 "$ARCH" "$D"

R="$T/dpkg-root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
DPKG=(dpkg --root="$R" --force-not-root --force-script-chrootless --log=/dev/null)
interop_run_checked "dpkg -i" "${DPKG[@]}" -i "$T/ls-test-pkg.deb" "$T/ls-test-conf.deb"
[ -f "$R/var/lib/dpkg/info/ls-test-pkg.md5sums" ] || interop_die "dpkg wrote no ls-test-pkg.md5sums"
[ -f "$R/var/lib/dpkg/info/ls-test-conf:$ARCH.md5sums" ] || interop_die "dpkg wrote no ls-test-conf:$ARCH.md5sums"

if dump "$R" /var/lib/dpkg/status "$T/dpkg-status.txt"; then
    expect_eq "dpkg status: both installed packages with arch and version" \
        "$(grep '^package' "$T/dpkg-status.txt" | sort)" \
        "$(printf 'package\tdpkg\tls-test-conf\t%s\t0.9-1\npackage\tdpkg\tls-test-pkg\tall\t1:2.3-4+deb12u1' "$ARCH")"
    expect_eq "dpkg status: dpkg-query agrees on the versions" \
        "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Package} ${Version}\n' | sort)" \
        "$(grep '^package' "$T/dpkg-status.txt" | cut -f3,5 | tr '\t' ' ' | sort)"
    # the conffile dpkg recorded in status, with the package's version
    expect_eq "dpkg status: the Conffiles entry is a file record" \
        "$(grep '^file' "$T/dpkg-status.txt" | cut -f1-6)" \
        "$(printf 'file\tdpkg\t/etc/ls-test.conf\tls-test-conf\t0.9-1\tmd5')"
    expect_eq "dpkg status: dpkg-query names the same conffile digest" \
        "$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}\n' ls-test-conf | awk 'NF >= 2 {print $1, $2}')" \
        "$(grep '^file' "$T/dpkg-status.txt" | cut -f3,7 | tr '\t' ' ')"
    check_digests "$R" "$T/dpkg-status.txt"
fi
if dump "$R" /var/lib/dpkg/info/ls-test-pkg.md5sums "$T/dpkg-md5-a.txt"; then
    expect_eq "dpkg md5sums: ls-test-pkg's files, package from the file name, no version" \
        "$(cut -f1-5,6 "$T/dpkg-md5-a.txt" | sort)" \
        "$(printf 'file\tdpkg\t/usr/share/ls-test/a b.txt\tls-test-pkg\t-\tmd5\nfile\tdpkg\t/usr/share/ls-test/key.txt\tls-test-pkg\t-\tmd5')"
    check_digests "$R" "$T/dpkg-md5-a.txt"
fi
if dump "$R" "/var/lib/dpkg/info/ls-test-conf:$ARCH.md5sums" "$T/dpkg-md5-b.txt"; then
    # (dpkg's own md5sums list conffiles too; dh_md5sums' would not)
    expect_eq "dpkg md5sums: NAME:ARCH.md5sums gives the bare package name" \
        "$(cut -f1-6 "$T/dpkg-md5-b.txt" | sort)" \
        "$(printf 'file\tdpkg\t/etc/ls-test.conf\tls-test-conf\t-\tmd5\nfile\tdpkg\t/usr/lib/ls-test/lib.so\tls-test-conf\t-\tmd5')"
    check_digests "$R" "$T/dpkg-md5-b.txt"
fi

# removed, its conffile kept: "deinstall ok config-files" is not installed
interop_run_checked "dpkg -r" "${DPKG[@]}" -r ls-test-conf
grep -q '^Status: deinstall ok config-files' "$R/var/lib/dpkg/status" ||
    interop_die "dpkg -r left no config-files stanza"
if dump "$R" /var/lib/dpkg/status "$T/dpkg-status2.txt"; then
    expect_eq "dpkg status after dpkg -r: the config-files package is not reported" \
        "$(cat "$T/dpkg-status2.txt")" "$(printf 'package\tdpkg\tls-test-pkg\tall\t1:2.3-4+deb12u1')"
fi

# ------------------------------------------------------------------- rpm
mkspec() { # NAME DIGEST-ALGO
    cat >"$T/rpmbuild/SPECS/$1.spec" <<SPEC
Name: $1
Version: 2.3
Release: 4.el9
Epoch: 1
Summary: layerscan pkgdb test
License: MIT
BuildArch: noarch
%define _binary_filedigest_algorithm $2

%description
A fake package for tests/integration/test_pkgdb_real.sh.

%install
mkdir -p %{buildroot}/usr/share/$1
printf 'FAKE_TOKEN=not-a-secret-rpm\\n' > %{buildroot}/usr/share/$1/key.txt
printf 'a file name with spaces\\n' > "%{buildroot}/usr/share/$1/a b.txt"
ln -s key.txt %{buildroot}/usr/share/$1/link

%files
/usr/share/$1
SPEC
    interop_run_checked "rpmbuild $1" rpmbuild -bb --define "_topdir $T/rpmbuild" "$T/rpmbuild/SPECS/$1.spec"
}
mkdir -p "$T/rpmbuild/SPECS"
mkspec ls-test-rpm 8
mkspec ls-test-rpm512 10
RR="$T/rpm-root"
mkdir -p "$RR"
RPM=(rpm --root "$RR" --dbpath /var/lib/rpm --define '_db_backend sqlite')
interop_run_checked "rpm --initdb" "${RPM[@]}" --initdb
interop_run_checked "rpm -i" "${RPM[@]}" --nodeps -i "$T"/rpmbuild/RPMS/noarch/*.rpm
[ -f "$RR/var/lib/rpm/rpmdb.sqlite" ] || interop_die "rpm wrote no rpmdb.sqlite"
echo "# rpmdb.sqlite journal mode bytes: $(od -An -tu1 -j18 -N2 "$RR/var/lib/rpm/rpmdb.sqlite") (2 2 = WAL)"
if dump "$RR" /var/lib/rpm/rpmdb.sqlite "$T/rpm.txt"; then
    expect_eq "rpm: every file of both packages, [EPOCH:]VERSION-RELEASE, algorithm by FILEDIGESTALGO" \
        "$(cut -f1-6 "$T/rpm.txt" | sort)" \
        "$(printf '%s\n' \
            $'file\trpm\t/usr/share/ls-test-rpm\tls-test-rpm\t1:2.3-4.el9\tnone' \
            $'file\trpm\t/usr/share/ls-test-rpm/a b.txt\tls-test-rpm\t1:2.3-4.el9\tsha256' \
            $'file\trpm\t/usr/share/ls-test-rpm/key.txt\tls-test-rpm\t1:2.3-4.el9\tsha256' \
            $'file\trpm\t/usr/share/ls-test-rpm/link\tls-test-rpm\t1:2.3-4.el9\tnone' \
            $'file\trpm\t/usr/share/ls-test-rpm512\tls-test-rpm512\t1:2.3-4.el9\tnone' \
            $'file\trpm\t/usr/share/ls-test-rpm512/a b.txt\tls-test-rpm512\t1:2.3-4.el9\tsha512' \
            $'file\trpm\t/usr/share/ls-test-rpm512/key.txt\tls-test-rpm512\t1:2.3-4.el9\tsha512' \
            $'file\trpm\t/usr/share/ls-test-rpm512/link\tls-test-rpm512\t1:2.3-4.el9\tnone' | sort)"
    check_digests "$RR" "$T/rpm.txt"
    expect_eq "rpm -qa agrees on the versions" \
        "$("${RPM[@]}" -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n' 2>/dev/null | sort)" \
        "$(cut -f4,5 "$T/rpm.txt" | sort -u | tr '\t' ' ')"
fi
# the Berkeley DB name is recognised and refused in one line
rc=0
"$DUMP" "$RR/var/lib/rpm/rpmdb.sqlite" /var/lib/rpm/Packages >/dev/null 2>"$T/bdb.err" || rc=$?
expect_eq "rpm Packages (Berkeley DB): exit 1 with the one-line refusal" "$rc $(cat "$T/bdb.err")" \
    "1 pkgdb_dump: /var/lib/rpm/Packages: Berkeley DB rpm database: not supported (rpm 4.16+ uses rpmdb.sqlite)"

# ---------------------------------------------------------------- python
W="$T/wheel"
mkdir -p "$W"
python3 - "$W" <<'PY'
import base64, hashlib, sys, zipfile
out = sys.argv[1]
def rec(name, data):
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={h},{len(data)}"
files = {
    "lstest_pkg/__init__.py": b"VALUE = 'not-a-secret-python'\n",
    "lstest_pkg/data dir/with space.txt": b"a file name with spaces\n",
    "lstest_pkg-1.0.data/scripts/lstest-tool": b"#!/bin/sh\necho tool\n",
    "lstest_pkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: lstest-pkg\nVersion: 1.0\n",
    "lstest_pkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test_pkgdb_real\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
lines = [rec(n, d) for n, d in files.items()] + ["lstest_pkg-1.0.dist-info/RECORD,,"]
with zipfile.ZipFile(f"{out}/lstest_pkg-1.0-py3-none-any.whl", "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
    z.writestr("lstest_pkg-1.0.dist-info/RECORD", "\n".join(lines) + "\n")
PY
PR="$T/py-root"
interop_run_checked "pip install" python3 -m pip install --no-index --no-deps --no-compile \
    --disable-pip-version-check --root "$PR" --prefix /usr "$W/lstest_pkg-1.0-py3-none-any.whl"
REC="$(find "$PR" -path '*/lstest_pkg-1.0.dist-info/RECORD')"
[ -n "$REC" ] || interop_die "pip wrote no RECORD"
REC="${REC#"$PR"}"
SITE="${REC%/lstest_pkg-1.0.dist-info/RECORD}"
# where pip put the script: /usr/bin for --prefix /usr, /usr/local/bin with
# Debian's pip (its scheme maps a /usr prefix to /usr/local)
TOOL="$(find "$PR" -name lstest-tool -type f)"
[ -n "$TOOL" ] || interop_die "pip installed no lstest-tool script"
TOOL="${TOOL#"$PR"}"
echo "# RECORD at $REC, script at $TOOL"
if dump "$PR" "$REC" "$T/python.txt"; then
    expect_eq "python: the module, the data file and the script (its ../ resolved to $TOOL) with sha256" \
        "$(grep -v '\.dist-info/' "$T/python.txt" | cut -f1-6 | sort)" \
        "$(printf '%s\n' \
            "file	python	$TOOL	lstest_pkg	1.0	sha256" \
            "file	python	$SITE/lstest_pkg/__init__.py	lstest_pkg	1.0	sha256" \
            "file	python	$SITE/lstest_pkg/data dir/with space.txt	lstest_pkg	1.0	sha256" | sort)"
    expect_eq "python: the RECORD lists itself without a hash" \
        "$(grep -P '\tnone\t' "$T/python.txt" | cut -f3,6)" "$(printf '%s\tnone' "$REC")"
    check_digests "$PR" "$T/python.txt"
fi

interop_finish
