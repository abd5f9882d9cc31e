"""The course set: questions a student might ask, in their own words, each naming its paper.

Paraphrases of what each paper is about (not its title), over this repository's papers, for
scripts/eval_search.py: does search find the paper, and do the CLI and the site agree?
"""

from __future__ import annotations

QUESTIONS: list[tuple[str, str]] = [
    ("teaching a chatbot to follow instructions from people's rankings", "ouyang2022training"),
    ("robots that only do what is feasible in the kitchen when told in plain language", "ahn2022can"),
    ("learning to line up source and target words while translating", "bahdanau2015neural"),
    ("a model that critiques and revises its own answers using a list of principles", "bai2022constitutional"),
    ("making an assistant both useful and not dangerous with human comparisons", "bai2022training"),
    ("broad risks and chances of huge general-purpose pretrained models", "bommasani2021opportunities"),
    ("a giant model that solves new tasks from a handful of examples in the prompt", "brown2020language"),
    ("early signs of general intelligence in the newest OpenAI model", "bubeck2023sparks"),
    ("what is still unsolved and hard about learning from human feedback", "casper2023open"),
    ("training agents from people picking which of two short clips is better", "christiano2017deep"),
    ("fine-tuning on many instruction tasks makes models generalise better as they grow", "chung2022scaling"),
    ("masked word prediction to pretrain a bidirectional encoder", "devlin2019bert"),
    ("optimising too hard against a learned reward makes the true score go down", "gao2022scaling"),
    ("do generated texts vary as much as what different people would write", "giulianelli2023comes"),
    ("a dialogue agent trained with targeted rules judged by raters", "glaese2022improving"),
    ("the standard textbook on neural networks and deep learning", "goodfellow2016deep"),
    ("keeping the network's behaviour the same when it feeds on its own outputs", "goyal2016professor"),
    ("benchmark of moral judgements about everyday situations", "hendrycks2021aligning"),
    ("gated recurrent cells that remember information over long time spans", "hochreiter1997long"),
    ("why beam search produces bland repetitive text and nucleus sampling fixes it", "holtzman2020curious"),
    ("what archivists can teach us about collecting training data", "jo2020lessons"),
    ("can a model tell when its own answers are likely correct", "kadavath2022language"),
    ("agents that talk to each other drift away from English unless tied to images", "lee2019countering"),
    ("rewarding every reasoning step instead of only the final answer for math", "lightman2024lets"),
    ("models still show traces of being trained to predict the next word", "mccoy2023embers"),
    ("simulated villagers powered by a language model with memory and plans", "park2023generative"),
    ("exploration rewarded by how badly the agent predicts the consequences of its actions", "pathak2017curiosity"),
    ("letting a model write test questions to find out how other models behave", "perez2022discovering"),
    ("preference learning without a separate reward model or reinforcement learning", "rafailov2023direct"),
    ("whose political and social views do chatbots echo", "santurkar2023whose"),
    ("constraining each policy update to stay close to the previous one with a KL limit", "schulman2015trust"),
    ("reducing the variance of policy gradients with exponentially weighted advantages", "schulman2016high"),
    ("a simpler policy gradient method with a clipped surrogate objective", "schulman2017proximal"),
    ("an agent pursues the wrong goal even though the reward was specified correctly", "shah2022goal"),
    ("encoding token positions by rotating query and key vectors", "su2021roformer"),
    ("teaching a model to write summaries that people prefer", "stiennon2020learning"),
    ("self-attention alone, without recurrence, for translation", "vaswani2017attention"),
    ("letting the model explore several reasoning paths and backtrack", "yao2023tree"),
]
