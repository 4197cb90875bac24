"""Trainpod trainer: fine-tunes a Hugging Face model with TRL inside the trainer image.

The pod agent runs `python3 -u trainpod_trainer.py --config config.json --dataset dataset.jsonl` in the job's
work directory (/workspace/trainpod) and reads its stdout: `TRAINPOD_TOTAL_STEPS n` once, then a
`TRAINPOD_METRIC {json}` line per step (metrics_callback; `evalLoss` on evaluated steps), a `TRAINPOD_CHECKPOINT
{json}` line per complete checkpoint (checkpoints), then ordinary log lines. SFT runs TRL's SFTTrainer, DPO its
DPOTrainer; LoRA or QLoRA through PEFT, or full fine-tuning (trainer_config). With a validation set (a fraction of
the dataset, or a second file given with --validation) it evaluates every N steps and may stop early, keeping the
best checkpoint as the output (evaluation). With several GPUs it relaunches itself under torchrun, one process per
GPU (distributed). Checkpoints go to checkpoints/ and a new pod resumes from TRAINPOD_RESUME_FROM or the newest
complete local one; the final model or adapter and its tokenizer go to output/, which the agent uploads, and to the
Hugging Face Hub when asked (hub). A gated model is read with the user's Hugging Face token (HF_TOKEN).

GPU libraries are imported inside the functions that need them, so the config and row logic imports and is
tested without them. Exit codes: 0 done, 78 bad config, 65 bad dataset, 1 anything else (a traceback).
"""
import argparse
import json
import os
import sys

import checkpoints
import dataset_rows
import distributed
import evaluation
import hub
import metrics_callback
import trainer_config

EXIT_DATAERR = 65
EXIT_CONFIG = 78


def log(message):
    if distributed.is_main():
        print("trainpod trainer: %s" % message, flush=True)


def read_config(config_path):
    with open(config_path, encoding="utf-8") as f:
        return json.load(f)


def load_plan(config_path, output_dir, checkpoint_dir):
    """Validates the config before any GPU library loads, then fills in what depends on the GPU."""
    config = read_config(config_path)
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
    kwargs = {"token": token, "dtype": dtype}  # transformers 5 names it dtype (torch_dtype before)
    if plan["quantization"]:
        quantization = dict(plan["quantization"])
        quantization["bnb_4bit_compute_dtype"] = getattr(torch, quantization["bnb_4bit_compute_dtype"])
        kwargs.update(quantization_config=BitsAndBytesConfig(**quantization),
                      device_map=distributed.device_map(plan["adapter"], distributed.local_rank()))
    model = AutoModelForCausalLM.from_pretrained(plan["model"], **kwargs)
    if plan["quantization"]:
        from peft import prepare_model_for_kbit_training
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=plan["args"]["gradient_checkpointing"])
    model.config.use_cache = False  # incompatible with gradient checkpointing, useless in training
    return model


def build_trainer(plan, model, tokenizer, rows, eval_rows, token):
    import dataclasses
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback

    def gpu_memory_mb():
        return torch.cuda.max_memory_allocated() / 2 ** 20 if torch.cuda.is_available() else None

    metrics = metrics_callback.make_callback(TrainerCallback, lambda line: print(line, flush=True), gpu_memory_mb)
    progress = make_progress_callback(TrainerCallback, plan)
    peft_config = None
    if plan["lora"]:
        from peft import LoraConfig
        peft_config = LoraConfig(**plan["lora"])
    common = {"model": model, "train_dataset": Dataset.from_list(rows), "processing_class": tokenizer,
              "peft_config": peft_config, "callbacks": [metrics(), progress]}
    if eval_rows:
        common["eval_dataset"] = Dataset.from_list(eval_rows)
    settings = dict(plan["args"], **hub.hub_arguments(plan["huggingface"], token))
    if plan["method"] == "DPO":
        from trl import DPOConfig, DPOTrainer
        known = {f.name for f in dataclasses.fields(DPOConfig)}
        trainer = DPOTrainer(ref_model=None, args=DPOConfig(**trainer_config.fit_arguments(settings, known, log)),
                             **common)
    else:
        from trl import SFTConfig, SFTTrainer
        known = {f.name for f in dataclasses.fields(SFTConfig)}
        trainer = SFTTrainer(args=SFTConfig(**trainer_config.fit_arguments(settings, known, log)), **common)
    return trainer, progress


def ranks_agree(flag):
    """Rank 0's decision, for every rank: a save by the clock must happen on all of them or on none (FSDP saves are
    collective). The flag as is with one process."""
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        return flag
    if not (dist.is_available() and dist.is_initialized()):
        return flag
    device = torch.device("cuda", distributed.local_rank()) if torch.cuda.is_available() else torch.device("cpu")
    decided = torch.tensor([1 if flag else 0], device=device)
    dist.broadcast(decided, 0)
    return bool(decided.item())


def all_ranks_done():
    """Waits until every rank has written its part of a checkpoint (no-op with one process)."""
    try:
        import torch.distributed as dist
    except ImportError:
        return
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def make_progress_callback(base_class, plan):
    """The callback that saves by the clock, marks complete checkpoints for the agent and stops early."""
    import time

    timed = checkpoints.TimedSaves(plan["checkpoint"]["everyMinutes"])
    early = plan["earlyStopping"]

    class TrainpodProgressCallback(base_class):
        stopper = evaluation.EarlyStopping(early["patience"], early["minDelta"]) if early else None
        started = None
        first_step = None

        def on_train_begin(self, args, state, control, **kwargs):
            self.started, self.first_step = time.monotonic(), state.global_step

        def on_step_end(self, args, state, control, **kwargs):
            if ranks_agree(timed.due()):
                control.should_save = True
            return control

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            if self.stopper and self.stopper.update(state.global_step, (metrics or {}).get("eval_loss")):
                log("early stopping at step %d: eval loss did not improve by more than %s in %d evaluations; "
                    "best %.4f at step %d" % (state.global_step, early["minDelta"], early["patience"],
                                              self.stopper.best_loss, self.stopper.best_step))
                control.should_training_stop = True
                control.should_save = True  # the stop step's checkpoint, so the best one is among those kept
            return control

        def on_save(self, args, state, control, **kwargs):
            timed.saved()
            all_ranks_done()
            path = os.path.join(args.output_dir, "checkpoint-%d" % state.global_step)
            if state.is_world_process_zero and os.path.isdir(path):
                evaluated = [h["eval_loss"] for h in state.log_history
                             if h.get("step") == state.global_step and "eval_loss" in h]
                print(checkpoints.mark_complete(path, state.global_step, evaluated[-1] if evaluated else None),
                      flush=True)

        def seconds_per_step(self, state):
            steps = state.global_step - (self.first_step or 0)
            return (time.monotonic() - self.started) / steps if steps > 0 and self.started else 0.0

    return TrainpodProgressCallback()


def validation_rows(plan, rows, validation_path, has_chat_template):
    """(train rows, eval rows): the second dataset when given, else a seeded split of the first; no eval without
    validation."""
    validation = plan["validation"]
    if not validation:
        return rows, None
    if validation["file"]:
        if not validation_path:
            raise trainer_config.ConfigError("validation names a file but the trainer got no --validation")
        with open(validation_path, "rb") as f:
            return rows, dataset_rows.read_rows(f, plan["method"], has_chat_template)
    try:
        return evaluation.split_rows(rows, validation["fraction"], plan["hyperparameters"]["seed"])
    except evaluation.EvaluationError as e:
        raise dataset_rows.RowError(str(e))


def relaunch_on_every_gpu(plan, argv):
    """Runs this trainer under torchrun, one process per GPU, and returns its exit code."""
    import subprocess
    import torch
    found = torch.cuda.device_count()
    if found < plan["gpuCount"]:
        log("the job asked for %d GPUs and %d are visible; training on %d" % (plan["gpuCount"], found, found))
    count = max(1, min(found, plan["gpuCount"]))
    log("training on %d GPUs (%s)" % (count, plan["strategy"]))
    return subprocess.call(distributed.launch_command(sys.executable, os.path.abspath(__file__), argv, count))


def train(args, argv):
    plan = load_plan(args.config, args.output_dir, args.checkpoint_dir)
    if plan["gpuCount"] > 1 and not distributed.is_worker():
        return relaunch_on_every_gpu(plan, argv)
    token = os.environ.get("HF_TOKEN") or None
    config = read_config(args.config)
    os.environ.update(trainer_config.reporting_env(config))
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
    rows, eval_rows = validation_rows(plan, rows, args.validation, tokenizer.chat_template is not None)
    log("%d rows%s" % (len(rows), ", %d for evaluation" % len(eval_rows) if eval_rows else ""))
    trainer, progress = build_trainer(plan, load_model(plan, token), tokenizer, rows, eval_rows, token)
    resume = checkpoints.resume_from(args.checkpoint_dir, log=log)
    if resume:
        log("resuming from %s" % resume)
    trainer.train(resume_from_checkpoint=resume)
    save_output(args, plan, trainer, tokenizer, progress, token)
    return 0


def save_output(args, plan, trainer, tokenizer, progress, token):
    """Writes the model (the best evaluated one when evaluating), its lineage and, when asked, pushes it to the Hub.
    Every rank takes part in saving the model (FSDP gathers its shards); the rest is rank 0's."""
    state = trainer.state
    os.makedirs(args.output_dir, exist_ok=True)
    trainer.save_model(args.output_dir)
    if not distributed.is_main():
        return
    tokenizer.save_pretrained(args.output_dir)
    training = {"trainer": "trl", "model": plan["model"], "method": plan["method"], "adapter": plan["adapter"],
                "hyperparameters": plan["hyperparameters"], "steps": state.global_step, "gpus": plan["gpuCount"]}
    if plan["validation"]:
        evaluated = [h["eval_loss"] for h in state.log_history if "eval_loss" in h]
        training["bestEvalLoss"] = state.best_metric if state.best_metric is not None else min(evaluated, default=None)
        training["bestCheckpoint"] = state.best_model_checkpoint
    stopper = progress.stopper
    if stopper and stopper.stopped_at is not None:
        training["earlyStopping"] = dict(evaluation.savings(stopper.stopped_at, state.max_steps,
                                                            progress.seconds_per_step(state), plan["costPerHourUsd"]),
                                         stoppedAtStep=stopper.stopped_at, bestStep=stopper.best_step)
        log("early stopping saved %(stepsNotRun)d steps (%(secondsSaved)s s, %(usdSaved)s USD)"
            % training["earlyStopping"])
    hub_plan = plan["huggingface"]
    if hub_plan and hub_plan["weights"] == "merged" and plan["lora"]:
        merged = trainer.model.merge_and_unload()
        merged.save_pretrained(os.path.join(args.output_dir, "merged"))
        tokenizer.save_pretrained(os.path.join(args.output_dir, "merged"))
    if hub_plan:
        try:
            training["huggingface"] = hub.push(hub_plan, hub.folder_to_push(hub_plan, args.output_dir), token,
                                               hub.commit_message(training), log)
        except Exception as e:  # the output is in Trainpod's storage as well; the push is a copy
            log("the push to the Hugging Face Hub failed: %s: %s" % (type(e).__name__, str(e)[:300]))
    with open(os.path.join(args.output_dir, "trainpod_training.json"), "w", encoding="utf-8") as f:
        json.dump(training, f, indent=2)
    log("training finished after %d steps; model saved to %s" % (state.global_step, args.output_dir))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod trainer (TRL SFT/DPO, LoRA/QLoRA/full)")
    parser.add_argument("--config", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--output-dir", default="output")
    parser.add_argument("--checkpoint-dir", default="checkpoints")
    parser.add_argument("--validation", help="the validation dataset (JSONL), when validation names a file")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    try:
        return train(args, argv)
    except trainer_config.ConfigError as e:
        print("ConfigError: %s" % e, file=sys.stderr, flush=True)
        return EXIT_CONFIG
    except dataset_rows.RowError as e:
        print("RowError: %s" % e, file=sys.stderr, flush=True)
        return EXIT_DATAERR


if __name__ == "__main__":
    sys.exit(main())
