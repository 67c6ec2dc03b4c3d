#!/bin/sh
# Installs a built spanmap (run `make setup` first; `make install` does both):
#   $PREFIX/lib/spanmap           the built code and its production node_modules
#   $PREFIX/bin/spanmap           the command
#   $SYSCONFDIR/spanmap/*.yaml    example configurations (never overwrites existing ones)
#   $UNITDIR/spanmap-*.service    the systemd units, with paths rewritten for this install
#   $PREFIX/share/doc/spanmap     README and docs
# DESTDIR stages everything under another root (packaging, tests). Nothing is enabled or started.
set -eu

PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/etc/systemd/system}
DESTDIR=${DESTDIR:-}
NODE=${NODE:-$(command -v node || true)}

die() { echo "install: $*" >&2; exit 1; }
[ -n "$NODE" ] || die "node not found (set NODE=/path/to/node)"
case "$PREFIX$SYSCONFDIR$UNITDIR$NODE" in *'|'*|*' '*) die "paths must not contain spaces or '|'";; esac
cd "$(dirname "$0")/.."
for f in shared/dist/index.js probe/dist/main.js console/dist/main.js scenario/dist/cli.js console/ui/dist/index.html; do
  [ -f "$f" ] || die "$f is missing: build first (make setup)"
done

lib="$DESTDIR$PREFIX/lib/spanmap"
echo "install: code in $lib"
rm -rf "$lib.new"
mkdir -p "$lib.new"
cp -R bin package.json package-lock.json "$lib.new/"
for ws in shared scenario probe console; do
  mkdir -p "$lib.new/$ws"
  cp -R "$ws/package.json" "$ws/dist" "$lib.new/$ws/"
done
mkdir -p "$lib.new/console/ui"
cp -R console/ui/dist "$lib.new/console/ui/"
if [ -f probe/native/build/Release/spanmap_pcap.node ]; then
  mkdir -p "$lib.new/probe/native/build/Release"
  cp probe/native/build/Release/spanmap_pcap.node "$lib.new/probe/native/build/Release/"
fi
# The dependencies as built here (native modules included), then without the development ones.
# Workspace links (node_modules/@spanmap/*) are relative, so they point into the new tree.
cp -R node_modules "$lib.new/"
(cd "$lib.new" && npm prune --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null) || die "npm prune failed"
# Tests and source maps are not needed at run time.
find "$lib.new/node_modules" -type d -empty -delete
find "$lib.new" -path '*/node_modules' -prune -o \( -name '*.test.js' -o -name '*.test.d.ts' -o -name '*.map' \) -type f -print | xargs rm -f
rm -rf "$lib.old"
[ -e "$lib" ] && mv "$lib" "$lib.old"
mv "$lib.new" "$lib"
rm -rf "$lib.old"

mkdir -p "$DESTDIR$PREFIX/bin"
ln -sf "../lib/spanmap/bin/spanmap.js" "$DESTDIR$PREFIX/bin/spanmap"

etc="$DESTDIR$SYSCONFDIR/spanmap"
mkdir -p "$etc"
for c in probe console; do
  if [ -e "$etc/$c.yaml" ]; then
    echo "install: keeping $etc/$c.yaml (the example is $lib/deploy/$c.yaml)"
  else
    sed "s|/etc/spanmap|$SYSCONFDIR/spanmap|g" "deploy/$c.yaml" > "$etc/$c.yaml"
    chmod 0644 "$etc/$c.yaml"
    echo "install: example configuration $etc/$c.yaml"
  fi
done
mkdir -p "$lib/deploy"
cp -R deploy/. "$lib/deploy/"

mkdir -p "$DESTDIR$UNITDIR"
for u in systemd/*.service; do
  sed -e "s|/usr/local/lib/spanmap|$PREFIX/lib/spanmap|g" \
      -e "s|/usr/local/share/doc/spanmap|$PREFIX/share/doc/spanmap|g" \
      -e "s|/usr/bin/node |$NODE |g" \
      -e "s|/etc/spanmap|$SYSCONFDIR/spanmap|g" "$u" > "$DESTDIR$UNITDIR/$(basename "$u")"
  chmod 0644 "$DESTDIR$UNITDIR/$(basename "$u")"
done
echo "install: units in $DESTDIR$UNITDIR"

doc="$DESTDIR$PREFIX/share/doc/spanmap"
mkdir -p "$doc"
cp README.md "$doc/"
[ -d docs ] && cp -R docs/. "$doc/"

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "install: done. Edit $SYSCONFDIR/spanmap/*.yaml (secrets in $SYSCONFDIR/spanmap/*.env, mode 0600), then:"
  echo "  systemctl enable --now spanmap-console    # on the console host"
  echo "  systemctl enable --now spanmap-probe      # on each probe"
else
  echo "install: done"
fi
