"""A chat template with `{% generation %}` markers, so TRL can mask the loss to assistant tokens.

`assistant_only_loss` needs the template to mark assistant output. Many templates (SmolLM2's ChatML among
them) do not. TRL patches the templates it knows; for ChatML templates tuneline builds an equivalent one
with markers around each assistant reply and its `<|im_end|>` (so the model learns to stop) and only uses
it after checking that it renders exactly the same text as the original on probe conversations.
"""

from __future__ import annotations

from components.common.training import TrainingInputError

_IM_START, _IM_END = "<|im_start|>", "<|im_end|>"
_PROBES = [
    [{"role": "user", "content": "Q1"}],
    [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
    ],
    [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2"},
    ],
]


def chatml_generation_template(default_system: str | None) -> str:
    """ChatML with generation markers; `default_system` is inserted when a conversation has no system turn."""
    default = ""
    if default_system is not None:
        text = f"{_IM_START}system\n{default_system}{_IM_END}\n"
        default = f"{{% if loop.first and messages[0]['role'] != 'system' %}}{{{{ {text!r} }}}}{{% endif %}}"
    return (
        "{% for message in messages %}" + default + "{% if message['role'] == 'assistant' %}"
        f"{{{{ '{_IM_START}assistant\\n' }}}}{{% generation %}}{{{{ message['content'] + '{_IM_END}' }}}}"
        "{% endgeneration %}{{ '\\n' }}{% else %}"
        f"{{{{ '{_IM_START}' + message['role'] + '\\n' + message['content'] + '{_IM_END}' + '\\n' }}}}"
        "{% endif %}{% endfor %}"
        f"{{% if add_generation_prompt %}}{{{{ '{_IM_START}assistant\\n' }}}}{{% endif %}}"
    )


def _default_system(tokenizer) -> str | None:
    rendered = tokenizer.apply_chat_template(_PROBES[0], tokenize=False)
    head = f"{_IM_START}system\n"
    if rendered.startswith(head) and _IM_END in rendered:
        return rendered[len(head) : rendered.index(_IM_END)]
    return None


def _renders_like(tokenizer, template: str) -> bool:
    for messages in _PROBES:
        for prompt in (False, True):
            original = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=prompt)
            candidate = tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=prompt, chat_template=template
            )
            if original != candidate:
                return False
    return True


def training_chat_template(tokenizer) -> str:
    """The tokenizer's template if it has markers, TRL's patched one if TRL knows it, else a checked ChatML one."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    if not tokenizer.chat_template:
        raise TrainingInputError(
            "the base model's tokenizer has no chat template; set trainer.chat_template_path"
        )
    if has_generation_markers(tokenizer.chat_template):
        return tokenizer.chat_template
    try:
        patched = get_training_chat_template(tokenizer)
        return patched or tokenizer.chat_template
    except ValueError:
        pass  # not a template TRL knows
    candidate = chatml_generation_template(_default_system(tokenizer))
    if _renders_like(tokenizer, candidate):
        return candidate
    raise TrainingInputError(
        "the base model's chat template has no {% generation %} markers, which trainer.assistant_only_loss "
        "needs, and tuneline cannot derive a marked copy of it. Set trainer.chat_template_path to a .jinja "
        "template with {% generation %}...{% endgeneration %} around assistant replies, or set "
        "trainer.assistant_only_loss: false to train on every token."
    )
