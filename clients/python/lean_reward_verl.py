"""Lean-verified rewards for verl from a proofline reward server (standard library only).

Drop this file into your verl config:

    custom_reward_function:
      path: /path/to/lean_reward_verl.py
      name: compute_score          # or compute_score_async (reward loop), compute_score_batch (reward_manager=batch)

Each dataset row names its TRUSTED statement in ``extra_info`` (``problem_id``, or ``formal_statement``
with an optional ``header``; kimina-prover-rl rows already carry ``formal_statement``), or in
``reward_model.ground_truth`` (a problem id, a formal statement, or a JSON object of either).
The model's own copy of the statement is never used.

Every call returns a dict with the same keys (verl's batch manager needs a fixed key set):
``score``, ``acc``, ``has_verdict``, ``status``, ``reason``, ``lean_time_s``, ``cached``, ``feedback``.

These functions never raise. When the server gives no verdict (it is down, overloaded past our
deadline, a checker crashed, the request was refused), ``score`` is 0.0 ONLY BECAUSE verl needs a
number for every sample; it is not a judgement of the proof. ``has_verdict`` is False and
``status`` says why (``infrastructure_error``, ``deadline_exceeded``, ``unreachable``,
``request_invalid``, ``unknown_problem``), so you can filter those samples out of your metrics or
drop them. A rejected proof has ``has_verdict`` True, ``score`` 0.0 and its rejection ``status``.

Environment:
    PROOFLINE_REWARD_URL        server base URL (default http://127.0.0.1:8000)
    PROOFLINE_REWARD_TOKEN      bearer token, when the server requires one
    PROOFLINE_REWARD_TIMEOUT_S  seconds per call, retries included (default 300)
    PROOFLINE_REQUIRE_FORMAT    "true"/"false": the server's format gate (default: the server's setting)
    PROOFLINE_BATCH_SIZE        items per HTTP request in compute_score_batch (default 256)
"""

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

URL = os.environ.get("PROOFLINE_REWARD_URL", "http://127.0.0.1:8000").rstrip("/")
TOKEN = os.environ.get("PROOFLINE_REWARD_TOKEN")
TIMEOUT_S = float(os.environ.get("PROOFLINE_REWARD_TIMEOUT_S", "300"))
REQUIRE_FORMAT = os.environ.get("PROOFLINE_REQUIRE_FORMAT")
BATCH_SIZE = int(os.environ.get("PROOFLINE_BATCH_SIZE", "256"))
STATEMENT_KEYS = ("problem_id", "header", "formal_statement")


class _NoVerdict(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _post(path, body, require_format=None):
    """POST JSON; retry 429/503 and network errors (honouring Retry-After) until TIMEOUT_S."""
    flag = REQUIRE_FORMAT if require_format is None else str(bool(require_format)).lower()
    url = URL + path + ("?" + urllib.parse.urlencode({"require_format": flag}) if flag else "")
    data = json.dumps(body, default=str).encode("utf-8")
    deadline = time.monotonic() + TIMEOUT_S
    delay, last = 1.0, "no attempt"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _NoVerdict("unreachable" if "HTTP" not in last else "infrastructure_error", last)
        headers = {"content-type": "application/json", "x-proofline-timeout-s": str(max(1, int(remaining)))}
        if TOKEN:
            headers["authorization"] = "Bearer " + TOKEN
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")[:500]
            last = "HTTP %d from %s: %s" % (error.code, url, text)
            if error.code not in (429, 503):
                raise _NoVerdict("request_invalid", last)
            retry_after = error.headers.get("retry-after")
            delay = float(retry_after) if retry_after and retry_after.isdigit() else delay
        except (urllib.error.URLError, OSError, ValueError) as error:
            last = "cannot reach %s: %s" % (url, error)
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, 30.0)


def _no_verdict(status, reason):
    print("lean_reward_verl: no verdict (%s): %s" % (status, reason), file=sys.stderr)
    return {"score": 0.0, "acc": 0.0, "has_verdict": False, "status": status, "reason": reason,
            "lean_time_s": 0.0, "cached": False, "feedback": ""}


def _to_verl(row):
    has_verdict = row.get("score") is not None
    return {
        "score": float(row["score"]) if has_verdict else 0.0,  # verl needs a number; see has_verdict
        "acc": float(row["acc"]) if has_verdict else 0.0,
        "has_verdict": has_verdict,
        "status": row.get("status", "infrastructure_error"),
        "reason": row.get("reason"),
        "lean_time_s": float(row.get("lean_time_s") or 0.0),
        "cached": bool(row.get("cached")),
        "feedback": row.get("feedback") or "",
    }


def _statement_fields(extra_info):
    if not isinstance(extra_info, dict):
        return None
    fields = {k: extra_info[k] for k in STATEMENT_KEYS if extra_info.get(k) is not None}
    return fields or None


def compute_score(data_source, solution_str, ground_truth, extra_info=None, require_format=None, **kwargs):
    """verl per-sample reward (naive, dapo, remote managers). Never raises; see the module doc."""
    body = {"data_source": str(data_source), "solution_str": solution_str, "ground_truth": ground_truth,
            "extra_info": _statement_fields(extra_info)}
    try:
        return _to_verl(_post("/v1/verl/compute_score", body, require_format))
    except _NoVerdict as failure:
        return _no_verdict(failure.status, failure.reason)
    except Exception as error:  # never raise into verl
        return _no_verdict("client_error", repr(error))


async def compute_score_async(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl reward loop (async). Same result as compute_score, without blocking the event loop."""
    return await asyncio.to_thread(compute_score, data_source, solution_str, ground_truth, extra_info, **kwargs)


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos, require_format=None, **kwargs):
    """verl reward_manager=batch: one dict per sample, in order. Never raises."""
    n = len(solution_strs)
    ground_truths = list(ground_truths) if ground_truths is not None else [None] * n
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * n

    def chunk(start):
        end = min(n, start + BATCH_SIZE)
        body = {"data_sources": [str(d) for d in list(data_sources)[start:end]] if data_sources is not None else None,
                "solution_strs": list(solution_strs[start:end]), "ground_truths": ground_truths[start:end],
                "extra_infos": [_statement_fields(e) for e in extra_infos[start:end]]}
        if body["data_sources"] is None:
            del body["data_sources"]
        try:
            return [_to_verl(row) for row in _post("/v1/verl/compute_score_batch", body, require_format)]
        except _NoVerdict as failure:
            return [_no_verdict(failure.status, failure.reason) for _ in range(start, end)]
        except Exception as error:
            return [_no_verdict("client_error", repr(error)) for _ in range(start, end)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return [row for rows in pool.map(chunk, range(0, n, BATCH_SIZE)) for row in rows]
