"""Trainpod trainer: fine-tunes a Hugging Face model with TRL inside the trainer image.

The pod agent runs `python3 -u trainpod_trainer.py --config config.json --dataset dataset.jsonl` in the job's
work directory (/workspace/trainpod) and reads its stdout: `TRAINPOD_TOTAL_STEPS n` once, then a
`TRAINPOD_METRIC {json}` line per step (metrics_callback), then ordinary log lines. SFT runs TRL's SFTTrainer,
DPO its DPOTrainer; LoRA or QLoRA through PEFT, or full fine-tuning (trainer_config). Checkpoints go to
checkpoints/ (a restarted container resumes from the last one); the final model or adapter and its tokenizer
go to output/, which the agent uploads. A gated model is read with the user's Hugging Face token (HF_TOKEN).

GPU libraries are imported inside the functions that need them, so the config and row logic imports and is
tested without them. Exit codes: 0 done, 78 bad config, 65 bad dataset, 1 anything else (a traceback).
"""
import argparse
import json
import os
import sys

import dataset_rows
import metrics_callback
import trainer_config

EXIT_DATAERR = 65
EXIT_CONFIG = 78


def log(message):
    print("trainpod trainer: %s" % message, flush=True)


def load_plan(config_path, output_dir, checkpoint_dir):
    """Validates the config before any GPU library loads, then fills in what depends on the GPU."""
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    trainer_config.training_plan(config, output_dir, checkpoint_dir, False)
    import torch
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    plan = trainer_config.training_plan(config, output_dir, checkpoint_dir, bf16)
    if plan["args"]["gradient_checkpointing"]:
        plan["args"]["gradient_checkpointing_kwargs"] = {"use_reentrant": False}
    return plan


def load_tokenizer(plan, token):
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(plan["model"], token=token)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(plan, token):
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig
    dtype = torch.bfloat16 if plan["args"]["bf16"] else torch.float16
    kwargs = {"token": token, "torch_dtype": dtype}
    if plan["quantization"]:
        quantization = dict(plan["quantization"])
        quantization["bnb_4bit_compute_dtype"] = getattr(torch, quantization["bnb_4bit_compute_dtype"])
        kwargs.update(quantization_config=BitsAndBytesConfig(**quantization), device_map={"": 0})
    model = AutoModelForCausalLM.from_pretrained(plan["model"], **kwargs)
    if plan["quantization"]:
        from peft import prepare_model_for_kbit_training
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=plan["args"]["gradient_checkpointing"])
    model.config.use_cache = False  # incompatible with gradient checkpointing, useless in training
    return model


def build_trainer(plan, model, tokenizer, rows):
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    def gpu_memory_mb():
        return torch.cuda.max_memory_allocated() / 2 ** 20 if torch.cuda.is_available() else None

    callback = metrics_callback.make_callback(TrainerCallback, lambda line: print(line, flush=True), gpu_memory_mb)
    peft_config = None
    if plan["lora"]:
        from peft import LoraConfig
        peft_config = LoraConfig(**plan["lora"])
    common = {"model": model, "train_dataset": Dataset.from_list(rows), "processing_class": tokenizer,
              "peft_config": peft_config, "callbacks": [callback()]}
    if plan["method"] == "DPO":
        from trl import DPOConfig, DPOTrainer
        return DPOTrainer(ref_model=None, args=DPOConfig(**plan["args"]), **common)
    from trl import SFTConfig, SFTTrainer
    return SFTTrainer(args=SFTConfig(**plan["args"]), **common)


def last_checkpoint(checkpoint_dir):
    if not os.path.isdir(checkpoint_dir):
        return None
    from transformers.trainer_utils import get_last_checkpoint
    return get_last_checkpoint(checkpoint_dir)


def train(args):
    plan = load_plan(args.config, args.output_dir, args.checkpoint_dir)
    token = os.environ.get("HF_TOKEN") or None
    import torch
    import transformers
    import trl
    log("%s %s with adapter %s; torch %s, transformers %s, trl %s, GPU %s" % (
        plan["method"], plan["model"], plan["adapter"], torch.__version__, transformers.__version__,
        trl.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"))
    log("Hugging Face token: %s" % ("provided" if token else "none"))
    tokenizer = load_tokenizer(plan, token)
    with open(args.dataset, "rb") as f:
        rows = dataset_rows.read_rows(f, plan["method"], tokenizer.chat_template is not None)
    log("%d rows" % len(rows))
    trainer = build_trainer(plan, load_model(plan, token), tokenizer, rows)
    resume = last_checkpoint(args.checkpoint_dir)
    if resume:
        log("resuming from %s" % resume)
    trainer.train(resume_from_checkpoint=resume)
    os.makedirs(args.output_dir, exist_ok=True)
    trainer.save_model(args.output_dir)
    tokenizer.save_pretrained(args.output_dir)
    with open(os.path.join(args.output_dir, "trainpod_training.json"), "w", encoding="utf-8") as f:
        json.dump({"trainer": "trl", "model": plan["model"], "method": plan["method"],
                   "adapter": plan["adapter"], "hyperparameters": plan["hyperparameters"],
                   "steps": trainer.state.global_step}, f, indent=2)
    log("training finished after %d steps; model saved to %s" % (trainer.state.global_step, args.output_dir))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod trainer (TRL SFT/DPO, LoRA/QLoRA/full)")
    parser.add_argument("--config", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--output-dir", default="output")
    parser.add_argument("--checkpoint-dir", default="checkpoints")
    args = parser.parse_args(argv)
    try:
        train(args)
    except trainer_config.ConfigError as e:
        print("ConfigError: %s" % e, file=sys.stderr, flush=True)
        return EXIT_CONFIG
    except dataset_rows.RowError as e:
        print("RowError: %s" % e, file=sys.stderr, flush=True)
        return EXIT_DATAERR
    return 0


if __name__ == "__main__":
    sys.exit(main())
