"""GPU check of the Trainpod trainer: a tiny model built here from a config (nothing downloaded from any hub), data
made here, a few dozen steps through the real entry point (trainpod_trainer.py) for SFT and DPO, LoRA and QLoRA, two
GPUs where present, and a checkpoint -> kill -> resume run. It prints, per case, the first and last loss, the eval
loss, tokens/s and the time to the first step, and exits 1 if any case failed.

    python3 pod/trainer/gpu-check/gpu_check.py [--steps 30] [--keep DIR]

Needs a CUDA machine with the trainer's libraries (pod/trainer/requirements.txt, torch, tokenizers). The planning,
data and output parsing are pure (standard library only) and tested by pod/trainer/tests/test_gpu_check.py.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINER = os.path.join(os.path.dirname(HERE), "trainpod_trainer.py")
METRIC_PREFIX = "TRAINPOD_METRIC "
CHECKPOINT_PREFIX = "TRAINPOD_CHECKPOINT "
WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu")


def tiny_model_config(vocab_size):
    """A Llama-shaped model of about a million parameters: big enough for LoRA's target modules and 4-bit layers."""
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab_size,
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 4, "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
            "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0}


def make_rows(method, count, seed):
    """Rows in dataset-service's formats with a learnable pattern (the answer repeats the question backwards)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 8))]
        question, answer = " ".join(words), " ".join(reversed(words))
        if method == "DPO":
            rows.append({"prompt": question, "chosen": answer, "rejected": " ".join(rng.sample(words, len(words)))})
        else:
            rows.append({"prompt": question, "completion": answer})
    return rows


def cases(gpus, steps):
    """What to run: (name, method, adapter, gpu count, steps, kill at a checkpoint)."""
    planned = [("sft-lora", "SFT", "lora", 1, steps, False), ("sft-qlora", "SFT", "qlora", 1, steps, False),
               ("dpo-lora", "DPO", "lora", 1, steps, False), ("dpo-qlora", "DPO", "qlora", 1, steps, False),
               ("sft-lora-resume", "SFT", "lora", 1, steps + 10, True)]
    if gpus >= 2:
        planned += [("sft-lora-2gpu", "SFT", "lora", 2, steps, False), ("sft-full-2gpu", "SFT", "full", 2, steps, False),
                    ("dpo-qlora-2gpu", "DPO", "qlora", 2, steps, False)]
    return planned


def job_config(model_dir, method, adapter, gpus, steps):
    return {"model": model_dir, "method": method, "gpuCount": gpus,
            "hyperparameters": {"adapter": adapter, "maxSteps": steps, "epochs": 0, "batchSize": 4,
                                "gradientAccumulationSteps": 1, "maxSeqLength": 64, "maxPromptLength": 32,
                                "saveSteps": 10, "loraR": 8, "loraAlpha": 16, "warmupRatio": 0.0,
                                "learningRate": 1e-3 if adapter != "full" else 1e-4},
            "validation": {"fraction": 0.1, "everySteps": 10}, "checkpoint": {"everySteps": 10}}


def summarise(lines, started, first_line_at=None):
    """Loss, eval loss, tokens/s and time to the first step from the trainer's stdout lines."""
    points = []
    for line in lines:
        if line.startswith(METRIC_PREFIX):
            try:
                points.append(json.loads(line[len(METRIC_PREFIX):]))
            except ValueError:
                pass
    losses = [p["loss"] for p in points if "loss" in p]
    evals = [p["evalLoss"] for p in points if "evalLoss" in p]
    rates = [p["tokensPerSecond"] for p in points if "tokensPerSecond" in p]
    return {"steps": max((p["step"] for p in points), default=0), "firstStep": min((p["step"] for p in points),
                                                                                     default=None),
            "firstLoss": losses[0] if losses else None, "lastLoss": losses[-1] if losses else None,
            "bestEvalLoss": min(evals) if evals else None,
            "tokensPerSecond": round(sum(rates) / len(rates), 1) if rates else None,
            "secondsToFirstStep": None if first_line_at is None else round(first_line_at - started, 1)}


def verdict(summary, steps, resumed_from=None):
    """Empty when the case did what it should, else what went wrong."""
    problems = []
    if summary["steps"] != steps:
        problems.append("trained %s of %d steps" % (summary["steps"], steps))
    if summary["firstLoss"] is None or summary["lastLoss"] is None:
        problems.append("no loss reported")
    elif not summary["lastLoss"] < summary["firstLoss"]:
        problems.append("loss did not fall (%.4f -> %.4f)" % (summary["firstLoss"], summary["lastLoss"]))
    if summary["bestEvalLoss"] is None:
        problems.append("no eval loss reported")
    if resumed_from is not None and summary["firstStep"] != resumed_from + 1:
        problems.append("resumed at step %s, not %d" % (summary["firstStep"], resumed_from + 1))
    return problems


def build_tiny_model(target):
    """Writes a tokenizer trained on the check's own words and a randomly initialised tiny Llama to target."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = list(WORDS) + ["<|user|>", "<|assistant|>", "user", "assistant", "|", "<", ">"]
    tokenizer.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=specials))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", bos_token="<s>",
                                   eos_token="</s>", unk_token="<unk>")
    fast.save_pretrained(target)
    LlamaForCausalLM(LlamaConfig(**tiny_model_config(len(fast)))).save_pretrained(target)


def run_case(root, model_dir, case, log=print):
    name, method, adapter, gpus, steps, kill = case
    work = os.path.join(root, name)
    os.makedirs(work, exist_ok=True)
    config, dataset = os.path.join(work, "config.json"), os.path.join(work, "dataset.jsonl")
    with open(config, "w") as f:
        json.dump(job_config(model_dir, method, adapter, gpus, steps), f)
    with open(dataset, "w") as f:
        f.writelines(json.dumps(row) + "\n" for row in make_rows(method, 400, 7))
    command = [sys.executable, "-u", TRAINER, "--config", config, "--dataset", dataset,
               "--output-dir", os.path.join(work, "output"), "--checkpoint-dir", os.path.join(work, "checkpoints")]
    resumed_from = None
    if kill:
        resumed_from = run_until_checkpoint(command, work, 20, log)
    started = time.monotonic()
    lines, first = [], None
    with subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as p:
        for line in p.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if first is None and line.startswith(METRIC_PREFIX):
                first = time.monotonic()
        code = p.wait()
    summary = summarise(lines, started, first)
    problems = ([] if code == 0 else ["exit code %d: %s" % (code, " | ".join(lines[-5:]))]) + verdict(
        summary, steps, resumed_from)
    log("%-16s %s %s" % (name, "ok  " if not problems else "FAIL", json.dumps(summary)))
    for problem in problems:
        log("%-16s   %s" % ("", problem))
    return not problems


def run_until_checkpoint(command, work, step, log):
    """Runs the trainer until it reports a complete checkpoint at `step` or later, then kills it (SIGKILL)."""
    with subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True) as p:
        for line in p.stdout:
            if line.startswith(CHECKPOINT_PREFIX) and json.loads(line[len(CHECKPOINT_PREFIX):])["step"] >= step:
                os.killpg(p.pid, signal.SIGKILL)
                saved = json.loads(line[len(CHECKPOINT_PREFIX):])["step"]
                log("%-16s killed after the checkpoint of step %d" % ("", saved))
                p.wait()
                return saved
        p.wait()
    raise RuntimeError("the trainer ended without a checkpoint at step %d" % step)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--keep", help="work in this directory and keep it")
    args = parser.parse_args(argv)
    import torch
    import transformers
    import trl
    gpus = torch.cuda.device_count()
    print("gpu-check: torch %s, transformers %s, trl %s, %d GPU(s): %s" % (
        torch.__version__, transformers.__version__, trl.__version__, gpus,
        ", ".join(torch.cuda.get_device_name(i) for i in range(gpus)) or "none"))
    if gpus == 0:
        print("gpu-check: no CUDA GPU; nothing run")
        return 1
    root = args.keep or tempfile.mkdtemp(prefix="trainpod-gpu-check-")
    model_dir = os.path.join(root, "tiny-model")
    build_tiny_model(model_dir)
    results = [run_case(root, model_dir, case) for case in cases(gpus, args.steps)]
    print("gpu-check: %d of %d cases passed" % (sum(results), len(results)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
