"""A minimal program using the official Anthropic Python SDK the way its users do (run sealed).

Constructor keyword arguments (api_key, auth_token, base_url, default_headers, …) come as JSON in the
AIGW_SDK environment variable, with `call` (messages | count_tokens | models) and `stream`; the
prompt is argv[1]. Prints the answer text; an API error prints its status and body and exits 1.
"""

import json
import os
import sys

import anthropic


def main() -> int:
    cfg = json.loads(os.environ.get("AIGW_SDK", "{}"))
    client = anthropic.Anthropic(**cfg.get("kwargs", {}))   # SDK defaults (timeout, retries), as users run it
    prompt, call, stream = sys.argv[1], cfg.get("call") or "messages", bool(cfg.get("stream", True))
    model = cfg.get("model") or "claude-sonnet-4-5"
    messages = [{"role": "user", "content": prompt}]
    try:
        if call == "models":
            print(" ".join(m.id for m in client.models.list()))
        elif call == "count_tokens":
            print(client.messages.count_tokens(model=model, messages=messages).input_tokens)
        elif stream:
            with client.messages.stream(model=model, max_tokens=64, messages=messages) as events:
                print("".join(events.text_stream))
        else:
            out = client.messages.create(model=model, max_tokens=64, messages=messages)
            print("".join(b.text for b in out.content if b.type == "text"))
    except anthropic.APIStatusError as exc:
        print(f"anthropic.APIStatusError: {exc.status_code} {exc.response.text.strip()}", file=sys.stderr)
        return 1
    except anthropic.APIConnectionError as exc:
        print(f"anthropic.APIConnectionError: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
