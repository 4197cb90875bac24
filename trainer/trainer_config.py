"""The job config (TRAINPOD_CONFIG, decoded by the agent into config.json) mapped onto a training plan.

Pure logic, standard library only: the trainer turns the plan into TRL/PEFT objects. Every hyperparameter
has a documented default (DEFAULTS, and the table in trainer/README.md); an unknown key or a value of the
wrong kind fails at once with ConfigError, before a GPU minute is spent loading a model.
"""
import math

METHODS = ("SFT", "DPO")
ADAPTERS = ("lora", "qlora", "full")
SCHEDULERS = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup")

# name: (default, kind, minimum). learningRate's default depends on the adapter (see default_learning_rate).
# `adapter` and `epochs` are also read by deploy-service's estimate and pre-flight memory check.
DEFAULTS = {
    "adapter": ("lora", str, None),
    "epochs": (1.0, float, 0.0),
    "maxSteps": (-1, int, -1),
    "learningRate": (None, float, 0.0),
    "batchSize": (4, int, 1),
    "gradientAccumulationSteps": (4, int, 1),
    "maxSeqLength": (2048, int, 16),
    "maxPromptLength": (1024, int, 8),
    "warmupRatio": (0.03, float, 0.0),
    "lrScheduler": ("cosine", str, None),
    "weightDecay": (0.0, float, 0.0),
    "maxGradNorm": (1.0, float, 0.0),
    "loraR": (16, int, 1),
    "loraAlpha": (32, int, 1),
    "loraDropout": (0.05, float, 0.0),
    "loraTargetModules": ("all-linear", (str, list), None),
    "gradientCheckpointing": (True, bool, None),
    "packing": (False, bool, None),
    "dpoBeta": (0.1, float, 0.0),
    "saveSteps": (200, int, 1),
    "seed": (42, int, 0),
}


KIND_NAMES = {bool: "true or false", int: "whole number", float: "number", str: "string", list: "list"}


class ConfigError(ValueError):
    """The job config cannot be trained as given; the message says which field and why."""


def default_learning_rate(adapter):
    """Adapters train well at 2e-4; full fine-tuning needs a learning rate ten times lower."""
    return 2e-5 if adapter == "full" else 2e-4


def hyperparameters(raw):
    """The request's hyperparameters with every default filled in; raises ConfigError."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ConfigError("hyperparameters must be a JSON object")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError("unknown hyperparameter(s) %s; known: %s" % (", ".join(unknown), ", ".join(sorted(DEFAULTS))))
    values = {}
    for name, (default, kind, minimum) in DEFAULTS.items():
        values[name] = default if raw.get(name) is None else _checked(name, raw[name], kind, minimum)
    values["adapter"] = values["adapter"].lower()
    if values["adapter"] not in ADAPTERS:
        raise ConfigError("adapter must be one of %s, not %r" % (", ".join(ADAPTERS), raw.get("adapter")))
    if values["lrScheduler"] not in SCHEDULERS:
        raise ConfigError("lrScheduler must be one of %s" % ", ".join(SCHEDULERS))
    if values["loraDropout"] >= 1:
        raise ConfigError("loraDropout must be below 1")
    if values["learningRate"] is None:
        values["learningRate"] = default_learning_rate(values["adapter"])
    if values["maxSteps"] == -1 and values["epochs"] <= 0:
        raise ConfigError("epochs must be above 0 unless maxSteps is set")
    return values


def _checked(name, value, kind, minimum):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if bool in kinds and not isinstance(value, bool):
        raise ConfigError("%s must be true or false" % name)
    if bool not in kinds and isinstance(value, bool):
        raise ConfigError("%s must be a %s" % (name, KIND_NAMES[kinds[0]]))
    if float in kinds and isinstance(value, (int, float)):
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError("%s must be a finite number" % name)
    elif int in kinds and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, kinds):
        raise ConfigError("%s must be a %s" % (name, " or ".join(KIND_NAMES[k] for k in kinds)))
    if isinstance(value, list) and not all(isinstance(v, str) for v in value):
        raise ConfigError("%s must list module names" % name)
    if minimum is not None and value < minimum:
        raise ConfigError("%s must be at least %s" % (name, minimum))
    return value


def training_plan(config, output_dir, checkpoint_dir, bf16_supported):
    """What to train and how: model, method, adapter, TRL config kwargs, LoRA and quantization settings.

    `args` holds SFTConfig/DPOConfig keyword arguments (TRL 0.12); `lora` is None for full fine-tuning and
    `quantization` is None unless QLoRA (4-bit NF4, double quantization, bf16/fp16 compute).
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
        "save_steps": hp["saveSteps"],
        "save_total_limit": 2,
        "seed": hp["seed"],
        "report_to": [],
        "include_num_input_tokens_seen": True,
        "disable_tqdm": True,
    }
    if method == "SFT":
        args.update(max_seq_length=hp["maxSeqLength"], packing=hp["packing"])
    else:
        args.update(beta=hp["dpoBeta"], max_length=hp["maxSeqLength"],
                    max_prompt_length=min(hp["maxPromptLength"], hp["maxSeqLength"] // 2))
    lora = None
    if hp["adapter"] != "full":
        lora = {"r": hp["loraR"], "lora_alpha": hp["loraAlpha"], "lora_dropout": hp["loraDropout"],
                "target_modules": hp["loraTargetModules"], "bias": "none", "task_type": "CAUSAL_LM"}
    quantization = None
    if hp["adapter"] == "qlora":
        quantization = {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
                        "bnb_4bit_compute_dtype": "bfloat16" if bf16_supported else "float16"}
    return {"model": model.strip(), "method": method, "adapter": hp["adapter"], "output_dir": output_dir,
            "args": args, "lora": lora, "quantization": quantization, "hyperparameters": hp}
