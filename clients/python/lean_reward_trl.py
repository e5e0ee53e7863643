"""Lean-verified rewards for TRL (GRPOTrainer, RLOOTrainer) from a proofline reward server.

Standard library only. Use it as a reward function:

    from lean_reward_trl import lean_reward
    trainer = GRPOTrainer(model=..., reward_funcs=[lean_reward], train_dataset=dataset, ...)

The dataset names each row's TRUSTED statement in a ``problem_id`` column, or in
``formal_statement`` (+ optional ``header``) columns; TRL passes those columns to reward
functions. Completions may be strings or conversational message lists.

Returns one value per completion: 1.0 (verified), 0.0 (rejected: a verdict about the proof), or
None when there is no verdict (server down, checker crash, deadline, unknown problem). TRL turns
None into NaN and leaves it out of the reward, so an outage never teaches the policy that a
correct proof is wrong.

Environment: PROOFLINE_REWARD_URL (default http://127.0.0.1:8000), PROOFLINE_REWARD_TOKEN,
PROOFLINE_REWARD_TIMEOUT_S (default 300, retries included), PROOFLINE_REQUIRE_FORMAT ("true"/"false").
"""

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ.get("PROOFLINE_REWARD_URL", "http://127.0.0.1:8000").rstrip("/")
TOKEN = os.environ.get("PROOFLINE_REWARD_TOKEN")
TIMEOUT_S = float(os.environ.get("PROOFLINE_REWARD_TIMEOUT_S", "300"))
REQUIRE_FORMAT = os.environ.get("PROOFLINE_REQUIRE_FORMAT")
COLUMNS = ("problem_id", "header", "formal_statement")


def _post(body):
    """POST to /v1/trl/rewards; retry 429/503 and network errors until TIMEOUT_S; None on failure."""
    url = URL + "/v1/trl/rewards" + ("?" + urllib.parse.urlencode({"require_format": REQUIRE_FORMAT}) if REQUIRE_FORMAT else "")
    data = json.dumps(body, default=str).encode("utf-8")
    deadline = time.monotonic() + TIMEOUT_S
    delay, last = 1.0, "no attempt"
    while deadline - time.monotonic() > 0:
        remaining = deadline - time.monotonic()
        headers = {"content-type": "application/json", "x-proofline-timeout-s": str(max(1, int(remaining)))}
        if TOKEN:
            headers["authorization"] = "Bearer " + TOKEN
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=remaining) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            last = "HTTP %d: %s" % (error.code, error.read().decode("utf-8", "replace")[:500])
            if error.code not in (429, 503):
                break
            retry_after = error.headers.get("retry-after")
            delay = float(retry_after) if retry_after and retry_after.isdigit() else delay
        except (urllib.error.URLError, OSError, ValueError) as error:
            last = "cannot reach %s: %s" % (url, error)
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, 30.0)
    print("lean_reward_trl: no verdicts (%s)" % last, file=sys.stderr)
    return None


async def lean_reward(prompts, completions, **kwargs):
    """TRL reward function: list[float | None], one per completion. Never raises."""
    n = len(completions)
    try:
        columns = {name: list(kwargs[name]) for name in COLUMNS if kwargs.get(name) is not None}
        answer = await asyncio.to_thread(_post, {"completions": list(completions), "columns": columns})
        if answer is None or len(answer.get("rewards", [])) != n:
            return [None] * n
        return [None if r is None else float(r) for r in answer["rewards"]]
    except Exception as error:  # never raise into the trainer
        print("lean_reward_trl: %r" % (error,), file=sys.stderr)
        return [None] * n
