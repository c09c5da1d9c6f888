#!/usr/bin/env bash
# tap | tee | target, as a user runs it. Every path comes from the environment (see pipe.ts).
state_args=()
[ -n "$TAP_STATE" ] && state_args=(--state "$TAP_STATE")
"$NODE_BIN" "$TAP" --config "$TAP_CONFIG" "${state_args[@]}" 2>"$TAP_ERR" | tee "$TAP_OUT" \
  | "$NODE_BIN" "$TARGET" --config "$TARGET_CONFIG" >"$TARGET_OUT" 2>"$TARGET_ERR"
echo "${PIPESTATUS[0]} ${PIPESTATUS[2]}" >"$STATUS"
