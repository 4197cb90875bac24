"""Dataset rows (one JSON object per line) converted into the shapes TRL's trainers take.

Pure logic, standard library only. The formats are dataset-service's:
- SFT_MESSAGES `{"messages": [{"role", "content"}, ...]}` → kept as a conversation (the chat template applies);
- SFT_PROMPT_COMPLETION `{"prompt", "completion"}` → a user/assistant conversation;
- SFT_TEXT `{"text"}` → kept;
- DPO `{"prompt", "chosen", "rejected"}` (strings, or message lists for chosen/rejected) → kept.
A tokenizer without a chat template (many base models) gets plain text instead of conversations: each
message as `<|role|>` on a line of its own, then its content (TEXT_TEMPLATE).
"""
import json

ROLES = ("system", "user", "assistant", "tool")
TEXT_TEMPLATE = "<|%s|>\n%s\n"
SFT_FORMATS = ("SFT_MESSAGES", "SFT_PROMPT_COMPLETION", "SFT_TEXT")


class RowError(ValueError):
    """A row that cannot be trained on; the message names its line."""


def detect_format(row):
    """The dataset format a row is written in, or None."""
    if not isinstance(row, dict):
        return None
    if {"prompt", "chosen", "rejected"} <= row.keys():
        return "DPO"
    if "messages" in row:
        return "SFT_MESSAGES"
    if {"prompt", "completion"} <= row.keys():
        return "SFT_PROMPT_COMPLETION"
    if "text" in row:
        return "SFT_TEXT"
    return None


def convert_row(row, method, chat_template=True):
    """One row in the shape the method's TRL trainer takes; raises RowError (without the line number)."""
    fmt = detect_format(row)
    if fmt is None:
        raise RowError("not a known format (messages, prompt/completion, text, or prompt/chosen/rejected)")
    if method == "DPO":
        if fmt != "DPO":
            raise RowError("DPO needs prompt, chosen and rejected; this row is %s" % fmt)
        pair = {"prompt": _text(row, "prompt"), "chosen": _answer(row, "chosen"), "rejected": _answer(row, "rejected")}
        if not chat_template:
            pair.update((k, messages_to_text(v)) for k, v in pair.items() if isinstance(v, list))
        return pair
    if fmt == "DPO":
        raise RowError("SFT needs messages, prompt/completion or text; this row is a DPO preference pair")
    if fmt == "SFT_TEXT":
        return {"text": _text(row, "text")}
    if fmt == "SFT_MESSAGES":
        messages = _messages(row["messages"], "messages")
    else:
        messages = [{"role": "user", "content": _text(row, "prompt")},
                    {"role": "assistant", "content": _text(row, "completion")}]
    return {"messages": messages} if chat_template else {"text": messages_to_text(messages)}


def messages_to_text(messages):
    """A conversation as plain text, for tokenizers without a chat template."""
    return "".join(TEXT_TEMPLATE % (m["role"], m["content"]) for m in messages)


def read_rows(lines, method, chat_template=True):
    """Converts every non-blank JSON line; raises RowError naming the first bad line."""
    rows = []
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            line = line.decode("utf-8")
        if not line.strip():
            continue
        try:
            rows.append(convert_row(json.loads(line), method, chat_template))
        except ValueError as e:  # JSONDecodeError and RowError
            raise RowError("dataset line %d: %s" % (number, e))
    if not rows:
        raise RowError("the dataset has no rows")
    return rows


def _text(row, field):
    value = row.get(field)
    if not isinstance(value, str) or not value:
        raise RowError("%s must be a non-empty string" % field)
    return value


def _answer(row, field):
    value = row.get(field)
    return _messages(value, field) if isinstance(value, list) else _text(row, field)


def _messages(value, field):
    if not isinstance(value, list) or not value:
        raise RowError("%s must be a non-empty list of {role, content}" % field)
    messages = []
    for message in value:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise RowError("%s: every message needs a role (%s)" % (field, ", ".join(ROLES)))
        if not isinstance(message.get("content"), str):
            raise RowError("%s: every message needs a string content" % field)
        messages.append({"role": message["role"], "content": message["content"]})
    return messages
