"""A minimal program using the official OpenAI Python SDK the way its users do (run sealed).

Constructor keyword arguments (api_key, base_url, default_headers, …) come as JSON in the AIGW_SDK
environment variable, with `call` (chat | responses | models) and `stream`; the prompt is argv[1].
Prints the answer text; an API error prints its status and body and exits 1.
"""

import json
import os
import sys

import openai


def main() -> int:
    cfg = json.loads(os.environ.get("AIGW_SDK", "{}"))
    client = openai.OpenAI(**cfg.get("kwargs", {}))      # SDK defaults (timeout, retries), as users run it
    prompt, call, stream = sys.argv[1], cfg.get("call") or "chat", bool(cfg.get("stream", True))
    model = cfg.get("model") or "gpt-4o"
    try:
        if call == "models":
            print(" ".join(m.id for m in client.models.list()))
        elif call == "responses":
            if stream:
                with client.responses.stream(model=model, input=prompt) as events:
                    print(events.get_final_response().output_text)
            else:
                print(client.responses.create(model=model, input=prompt).output_text)
        elif stream:
            chunks = client.chat.completions.create(model=model, stream=True,
                                                    messages=[{"role": "user", "content": prompt}])
            print("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
        else:
            out = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
            print(out.choices[0].message.content)
    except openai.APIStatusError as exc:
        print(f"openai.APIStatusError: {exc.status_code} {exc.response.text.strip()}", file=sys.stderr)
        return 1
    except openai.APIConnectionError as exc:
        print(f"openai.APIConnectionError: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
