"""Every GPU used: how the trainer trains on a pod's GPUs, as pure decisions (standard library only).

One GPU: one process. Several: the trainer relaunches itself under torchrun (`python -m torch.distributed.run`),
one process per GPU, and the Hugging Face Trainer trains data-parallel: DDP for LoRA (each rank holds the frozen
model and its own adapter replica), DDP with the 4-bit model placed on the rank's own GPU for QLoRA (a per-rank
device map), FSDP full sharding for full fine-tuning (weights, gradients and optimizer state split across the GPUs).
Only rank 0 prints the TRAINPOD_* lines the agent reads, writes checkpoint markers and the output.
"""
import os

STRATEGIES = {"lora": "ddp", "qlora": "ddp", "full": "fsdp"}


def gpu_count(config):
    """GPUs the job asked for (TRAINPOD_CONFIG's gpuCount, 1 when absent)."""
    count = config.get("gpuCount", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError("gpuCount must be a whole number of at least 1")
    return count


def strategy(adapter, count):
    """None on one GPU; "ddp" for adapters, "fsdp" for full fine-tuning on several."""
    return None if count <= 1 else STRATEGIES[adapter]


def is_worker(env=None):
    """True inside a torchrun worker (it sets LOCAL_RANK), where the trainer must not relaunch itself."""
    return "LOCAL_RANK" in (os.environ if env is None else env)


def local_rank(env=None):
    return int((os.environ if env is None else env).get("LOCAL_RANK", "0"))


def is_main(env=None):
    """Rank 0 (or the only process): the one that talks to the agent."""
    return int((os.environ if env is None else env).get("RANK", "0")) == 0


def launch_command(python, script, argv, count):
    """The torchrun command that runs this trainer once per GPU on this machine."""
    return [python, "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node",
            str(count), script] + list(argv)


def training_args(adapter, count, gradient_checkpointing):
    """TrainingArguments additions for several GPUs (empty for one)."""
    chosen = strategy(adapter, count)
    if chosen is None:
        return {}
    if chosen == "ddp":
        # adapters leave most parameters frozen; without this DDP looks for unused parameters on every step
        return {"ddp_find_unused_parameters": False}
    # FSDP recomputes activations itself; the Trainer's own gradient checkpointing must then be off
    return {"fsdp": "full_shard auto_wrap", "gradient_checkpointing": False,
            "fsdp_config": {"activation_checkpointing": bool(gradient_checkpointing), "use_orig_params": True,
                            "sync_module_states": True, "cpu_ram_efficient_loading": True}}


def device_map(adapter, rank):
    """Where a quantised model loads: the whole model on this rank's GPU (QLoRA); None lets the Trainer place it."""
    return {"": rank} if adapter == "qlora" else None


def minimum_rows(count, batch_size):
    """Rows a dataset needs so that every GPU gets a full batch: the rule pre-flight's GPU_COUNT_UNUSABLE applies."""
    return count * batch_size
