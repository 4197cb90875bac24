"""Rows of each dataset format converted into what TRL's trainers take."""
import json
import unittest

import trainer_path  # noqa: F401
from dataset_rows import RowError, convert_row, detect_format, read_rows

MESSAGES = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                         {"role": "assistant", "content": "4", "weight": 1}]}
PROMPT_COMPLETION = {"prompt": "2+2=", "completion": "4"}
TEXT = {"text": "Two plus two is four."}
DPO = {"prompt": "2+2?", "chosen": "4", "rejected": "5"}


class FormatTest(unittest.TestCase):

    def test_each_format_is_recognised_by_its_fields(self):
        self.assertEqual(["SFT_MESSAGES", "SFT_PROMPT_COMPLETION", "SFT_TEXT", "DPO", None, None],
                         [detect_format(r) for r in (MESSAGES, PROMPT_COMPLETION, TEXT, DPO, {"q": 1}, [1])])


class SftConversionTest(unittest.TestCase):

    def test_messages_stay_a_conversation_with_only_role_and_content(self):
        self.assertEqual({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
                                       {"role": "assistant", "content": "4"}]}, convert_row(MESSAGES, "SFT"))

    def test_prompt_completion_becomes_a_user_assistant_conversation(self):
        self.assertEqual({"messages": [{"role": "user", "content": "2+2="}, {"role": "assistant", "content": "4"}]},
                         convert_row(PROMPT_COMPLETION, "SFT"))

    def test_text_stays_text(self):
        self.assertEqual(TEXT, convert_row(TEXT, "SFT"))

    def test_without_a_chat_template_conversations_become_plain_text(self):
        self.assertEqual({"text": "<|user|>\n2+2=\n<|assistant|>\n4\n"},
                         convert_row(PROMPT_COMPLETION, "SFT", chat_template=False))
        self.assertTrue(convert_row(MESSAGES, "SFT", chat_template=False)["text"].startswith("<|system|>\nBe brief.\n"))

    def test_a_preference_pair_is_not_sft_data(self):
        with self.assertRaises(RowError):
            convert_row(DPO, "SFT")


class DpoConversionTest(unittest.TestCase):

    def test_string_pairs_are_kept(self):
        self.assertEqual(DPO, convert_row(DPO, "DPO"))

    def test_conversational_answers_are_kept_or_flattened_without_a_chat_template(self):
        row = {"prompt": "2+2?", "chosen": [{"role": "assistant", "content": "4"}],
               "rejected": [{"role": "assistant", "content": "5"}]}
        self.assertEqual(row, convert_row(row, "DPO"))
        self.assertEqual({"prompt": "2+2?", "chosen": "<|assistant|>\n4\n", "rejected": "<|assistant|>\n5\n"},
                         convert_row(row, "DPO", chat_template=False))

    def test_sft_rows_are_not_dpo_data(self):
        with self.assertRaises(RowError) as raised:
            convert_row(MESSAGES, "DPO")
        self.assertIn("SFT_MESSAGES", str(raised.exception))


class ReadRowsTest(unittest.TestCase):

    def test_blank_lines_are_skipped_and_bytes_are_read(self):
        lines = [json.dumps(TEXT).encode(), b"\n", json.dumps(PROMPT_COMPLETION) + "\n"]
        self.assertEqual(2, len(read_rows(lines, "SFT")))

    def test_the_first_bad_line_is_named(self):
        cases = [([json.dumps(TEXT), "{broken"], "dataset line 2"),
                 ([json.dumps({"messages": [{"role": "robot", "content": "x"}]})], "dataset line 1: messages"),
                 ([json.dumps({"text": ""})], "text must be a non-empty string"),
                 (["", "  "], "no rows")]
        for lines, message in cases:
            with self.subTest(message), self.assertRaises(RowError) as raised:
                read_rows(lines, "SFT")
            self.assertIn(message, str(raised.exception))


if __name__ == "__main__":
    unittest.main()
