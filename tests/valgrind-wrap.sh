#!/bin/sh
# valgrind-wrap.sh BUILD_ROOT PROGRAM [ARGS...] — the exe_wrapper of
# `meson test --setup valgrind` (meson.build).  A test program built in
# BUILD_ROOT runs under $SANSO_WRAPPER (valgrind and its options); anything
# else — python3 or a shell script of tests/e2e — runs as is: valgrind on
# the interpreter would check nothing of ours, and those scripts put
# $SANSO_WRAPPER before each sanso they start themselves.
root=$1
shift
case $1 in
"$root"/*) exec ${SANSO_WRAPPER:?set by the valgrind test setup} "$@" ;;
*) exec "$@" ;;
esac
