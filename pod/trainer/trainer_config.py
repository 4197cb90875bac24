"""The job config (TRAINPOD_CONFIG, decoded by the agent into config.json) mapped onto a training plan.

Pure logic, standard library only: the trainer turns the plan into TRL/PEFT objects. Every hyperparameter's
type, bounds and default come from hyperparameters.json, the file deploy-service's pre-flight checks read too
(and the table in pod/trainer/README.md); an unknown key, a value of the wrong kind or out of bounds fails at once
with ConfigError, before a GPU minute is spent loading a model.
"""
import json
import math
import os

import checkpoints
import distributed
import evaluation

METHODS = ("SFT", "DPO")

# The hyperparameters' rules, shared with deploy-service's pre-flight checks (its build copies this file).
RULES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hyperparameters.json")
with open(RULES_FILE, encoding="utf-8") as _rules:
    RULES = json.load(_rules)["hyperparameters"]

DEFAULTS = {name: rule["default"] for name, rule in RULES.items()}
ADAPTERS = tuple(RULES["adapter"]["allowed"])
SCHEDULERS = tuple(RULES["lrScheduler"]["allowed"])

KIND_NAMES = {"boolean": "true or false", "integer": "whole number", "number": "number", "string": "string",
              "modules": "string or list of module names"}


class ConfigError(ValueError):
    """The job config cannot be trained as given; the message says which field and why.

    `field` names the hyperparameter (when one is at fault) and `code` is the failure code deploy-service's
    pre-flight gives the same value (HYPERPARAMETER_UNKNOWN, _WRONG_TYPE, _NOT_ALLOWED, _OUT_OF_RANGE).
    """

    def __init__(self, message, field=None, code=None):
        super().__init__(message)
        self.field = field
        self.code = code


def default_learning_rate(adapter):
    """Adapters train well at 2e-4; full fine-tuning needs a learning rate ten times lower (hyperparameters.json)."""
    return RULES["learningRate"]["defaultByAdapter"][adapter]


def hyperparameters(raw):
    """The request's hyperparameters with every default filled in; raises ConfigError."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError("hyperparameters must be a JSON object")
    unknown = sorted(set(raw) - set(RULES))
    if unknown:
        raise ConfigError("unknown hyperparameter(s) %s; known: %s" % (", ".join(unknown), ", ".join(sorted(RULES))),
                          unknown[0], "HYPERPARAMETER_UNKNOWN")
    values = {name: rule["default"] if raw.get(name) is None else _checked(name, raw[name], rule)
              for name, rule in RULES.items()}
    for name, rule in RULES.items():
        if raw.get(name) is not None:
            _in_range(name, values[name], rule, values)
    if values["learningRate"] is None:
        values["learningRate"] = default_learning_rate(values["adapter"])
    return values


def _checked(name, value, rule):
    """The value in its rule's type (whole floats become int, numbers float), or ConfigError."""
    kind = rule["type"]
    wrong = ConfigError("%s must be a %s" % (name, KIND_NAMES[kind]), name, "HYPERPARAMETER_WRONG_TYPE")
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError("%s must be true or false" % name, name, "HYPERPARAMETER_WRONG_TYPE")
        return value
    if isinstance(value, bool):
        raise wrong
    if kind == "number":
        if not isinstance(value, (int, float)):
            raise wrong
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ConfigError("%s must be a finite number" % name, name, "HYPERPARAMETER_OUT_OF_RANGE")
        return value
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            raise wrong
        return value
    if kind == "modules":
        if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
            return value
        if isinstance(value, str) and value.strip():
            return value
        raise ConfigError("%s must be a module name or a list of module names" % name, name,
                          "HYPERPARAMETER_WRONG_TYPE")
    if not isinstance(value, str):
        raise wrong
    allowed = rule.get("allowed")
    if rule.get("ignoreCase"):
        value = value.lower()
    if allowed is not None and value not in allowed:
        raise ConfigError("%s must be one of %s, not %r" % (name, ", ".join(allowed), value), name,
                          "HYPERPARAMETER_NOT_ALLOWED")
    return value


def _in_range(name, value, rule, values):
    """Holds a number to its rule's bounds; the exception of aboveMinUnlessPositive reads the other value."""
    if rule["type"] not in ("integer", "number"):
        return
    low, high = rule.get("min"), rule.get("max")
    waived = rule.get("aboveMinUnlessPositive")
    unless_waived = waived is not None and not rule.get("exclusiveMin") and values[waived] <= 0
    exclusive_low = rule.get("exclusiveMin") or unless_waived
    if low is not None and (value < low or (exclusive_low and value == low)):
        unless = " unless %s is set" % waived if unless_waived else ""
        raise ConfigError("%s must be %s %s%s" % (name, "above" if exclusive_low else "at least", _plain(low), unless),
                          name, "HYPERPARAMETER_OUT_OF_RANGE")
    if high is not None and (value > high or (rule.get("exclusiveMax") and value == high)):
        raise ConfigError("%s must be %s %s" % (name, "below" if rule.get("exclusiveMax") else "at most", _plain(high)),
                          name, "HYPERPARAMETER_OUT_OF_RANGE")


def _plain(bound):
    return int(bound) if float(bound).is_integer() else bound


def training_plan(config, output_dir, checkpoint_dir, bf16_supported):
    """What to train and how: model, method, adapter, TRL config kwargs, LoRA and quantization settings, evaluation,
    checkpoints, GPUs, reporting and where the result goes.

    `args` holds SFTConfig/DPOConfig keyword arguments by their current names (TRL 1.x: SFT's sequence length is
    max_length); fit_arguments drops or renames what an installed release does not know. `lora` is None for full
    fine-tuning and `quantization` is None unless QLoRA (4-bit NF4, double quantization, bf16/fp16 compute).
    """
    if not isinstance(config, dict):
        raise ConfigError("the job config must be a JSON object")
    model = config.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ConfigError("model must name a Hugging Face model, e.g. Qwen/Qwen2.5-0.5B")
    method = config.get("method") or "SFT"
    if method not in METHODS:
        raise ConfigError("method must be SFT or DPO, not %r" % method)
    hp = hyperparameters(config.get("hyperparameters"))
    try:
        validation, early_stopping = evaluation.settings(config)
        saving = checkpoints.settings(config, hp["saveSteps"])
        gpus = distributed.gpu_count(config)
    except ValueError as e:
        raise ConfigError(str(e))
    eval_every = validation["everySteps"] if validation else None
    args = {
        "output_dir": checkpoint_dir,
        "num_train_epochs": hp["epochs"],
        "max_steps": hp["maxSteps"],
        "learning_rate": hp["learningRate"],
        "per_device_train_batch_size": hp["batchSize"],
        "gradient_accumulation_steps": hp["gradientAccumulationSteps"],
        "warmup_ratio": hp["warmupRatio"],
        "lr_scheduler_type": hp["lrScheduler"],
        "weight_decay": hp["weightDecay"],
        "max_grad_norm": hp["maxGradNorm"],
        "gradient_checkpointing": hp["gradientCheckpointing"],
        "bf16": bf16_supported,
        "fp16": not bf16_supported,
        "logging_steps": 1,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": evaluation.save_steps(saving["everySteps"], eval_every),
        "save_total_limit": 2,
        "seed": hp["seed"],
        "report_to": report_to(config),
        "include_num_input_tokens_seen": True,
        "disable_tqdm": True,
    }
    if validation:
        args.update(eval_strategy="steps", eval_steps=eval_every, per_device_eval_batch_size=hp["batchSize"],
                    load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False)
    if method == "SFT":
        args.update(max_length=hp["maxSeqLength"], packing=hp["packing"])
    else:
        args.update(beta=hp["dpoBeta"], max_length=hp["maxSeqLength"],
                    max_prompt_length=min(hp["maxPromptLength"], hp["maxSeqLength"] // 2))
    args.update(distributed.training_args(hp["adapter"], gpus, hp["gradientCheckpointing"]))
    lora = None
    if hp["adapter"] != "full":
        lora = {"r": hp["loraR"], "lora_alpha": hp["loraAlpha"], "lora_dropout": hp["loraDropout"],
                "target_modules": hp["loraTargetModules"], "bias": "none", "task_type": "CAUSAL_LM"}
    quantization = None
    if hp["adapter"] == "qlora":
        quantization = {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
                        "bnb_4bit_compute_dtype": "bfloat16" if bf16_supported else "float16"}
    return {"model": model.strip(), "method": method, "adapter": hp["adapter"], "output_dir": output_dir,
            "args": args, "lora": lora, "quantization": quantization, "hyperparameters": hp,
            "validation": validation, "earlyStopping": early_stopping, "checkpoint": saving, "gpuCount": gpus,
            "strategy": distributed.strategy(hp["adapter"], gpus), "huggingface": huggingface_output(config),
            "costPerHourUsd": config.get("costPerHourUsd")}


# Settings an older or newer TRL/transformers release names differently: current name -> the other name.
RENAMED = {"max_length": "max_seq_length", "eval_strategy": "evaluation_strategy"}


def fit_arguments(args, known, log=lambda message: None):
    """The config kwargs an installed SFTConfig/DPOConfig accepts (`known`: its field names): a setting it knows by
    another name is renamed, one it does not know at all is dropped and logged, so a release change never turns into
    a TypeError after the model has loaded."""
    fitted = {}
    for name, value in args.items():
        if name in known:
            fitted[name] = value
        elif RENAMED.get(name) in known:
            fitted[RENAMED[name]] = value
        elif name == "warmup_ratio" and "warmup_steps" in known:
            fitted["warmup_steps"] = value  # transformers 5 reads a warmup_steps below 1 as a ratio
        else:
            log("this TRL release has no setting %s; left out" % name)
    return fitted


def report_to(config):
    """Where the Trainer reports metrics besides Trainpod: "wandb" and/or "mlflow" from the job's reporting options."""
    reporting = config.get("reporting") or {}
    return [name for name in ("wandb", "mlflow") if reporting.get(name)]


def reporting_env(config):
    """Environment the W&B and MLflow integrations read (the W&B key itself comes from the vault as WANDB_API_KEY)."""
    reporting = config.get("reporting") or {}
    env = {}
    wandb, mlflow = reporting.get("wandb") or {}, reporting.get("mlflow") or {}
    if wandb.get("project"):
        env["WANDB_PROJECT"] = wandb["project"]
    if wandb.get("entity"):
        env["WANDB_ENTITY"] = wandb["entity"]
    if mlflow.get("trackingUri"):
        env["MLFLOW_TRACKING_URI"] = mlflow["trackingUri"]
    if mlflow.get("experiment"):
        env["MLFLOW_EXPERIMENT_NAME"] = mlflow["experiment"]
    return env


def huggingface_output(config):
    """The Hub push (output.huggingface) with its defaults, or None: repo, private (true), revision ("main"),
    weights ("adapter" or "merged"; "adapter" by default) and pushCheckpoints (false)."""
    hub = (config.get("output") or {}).get("huggingface")
    if not hub:
        return None
    if not isinstance(hub.get("repo"), str) or hub["repo"].count("/") != 1:
        raise ConfigError("output.huggingface.repo must be <namespace>/<name>")
    weights = hub.get("weights") or "adapter"
    if weights not in ("adapter", "merged"):
        raise ConfigError("output.huggingface.weights must be adapter or merged")
    return {"repo": hub["repo"], "private": hub.get("private", True) is not False,
            "revision": hub.get("revision") or "main", "weights": weights,
            "pushCheckpoints": bool(hub.get("pushCheckpoints", False))}
