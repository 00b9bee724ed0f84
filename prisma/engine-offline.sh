#!/bin/sh
echo "schema engine not available offline: lgsp applies migrations with the WASM engine (lgsp migrate)" >&2
exit 1
