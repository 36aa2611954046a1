# usr_tar.sh - sourced by the benchmarks (run.sh, rules.sh): the plain /usr tar they share.
# usr_tar OUT MB SKIP_MB: a tar of regular files of /usr (name order), starting
# after SKIP_MB of them, until MB are in. Fixed metadata: same machine, same tar.
usr_tar() {
  local out=$1 mb=$2 skip=$3
  [ -f "$out" ] && [ "$(cat "$out.mb" 2>/dev/null)" = "$mb/$skip" ] && return 0
  find /usr -xdev -type f -readable -size -64M -printf '%s %p\n' 2>/dev/null | LC_ALL=C sort -k2 |
    awk -v lim=$((mb << 20)) -v skip=$((skip << 20)) '{ s += $1; if (s > skip && s - skip <= lim) { sub(/^[0-9]+ /, ""); print } }' \
    >"$out.list"
  tar --no-recursion --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out" -T "$out.list" 2>/dev/null
  echo "$mb/$skip" >"$out.mb"
}

# usr_gz_tar OUT: a tar of every readable gzip file of /usr (man pages, Debian
# changelogs, ...; name order, fixed metadata), and OUT.list naming them: the
# nested-stream benchmark (each one is inflated in-stream by the scan).
usr_gz_tar() {
  local out=$1
  [ -f "$out" ] && [ -f "$out.list" ] && return 0
  find /usr -xdev -type f -readable -name '*.gz' 2>/dev/null | LC_ALL=C sort >"$out.list"
  tar --no-recursion --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out" -T "$out.list" 2>/dev/null
}
