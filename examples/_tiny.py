"""A tiny random-weight causal LM and a word-level tokenizer, built locally (no download).

Only for trying the examples on a CPU with `--tiny`: it learns nothing useful, but every
part of the loop (generation, Referee rewards, the GRPO update, logging) runs for real.
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast


def tiny_model_and_tokenizer(words: list[str]) -> tuple[LlamaForCausalLM, PreTrainedTokenizerFast]:
    vocab = ["[PAD]", "[EOS]", "[UNK]", *dict.fromkeys(words)]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]"
    )
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config), fast
