"""A small library of real papers for the search tests (test_search.py with a hashing
embedder, test_search_model.py with the real model): titles, authors and ids are facts, the
summaries are written here in our own words."""

from __future__ import annotations

from pathlib import Path

from conftest import paper, write

LIBRARY: dict[str, dict[str, object]] = {
    "ouyang2022training": dict(
        title="Training language models to follow instructions with human feedback",
        authors=["Ouyang, Long", "Wu, Jeff", "Jiang, Xu"], year=2022, arxiv="2203.02155",
        tags=["rlhf", "alignment"],
        summary="Labelers write demonstrations and rank sampled outputs of GPT-3; a reward "
                "model fitted to the rankings guides PPO fine-tuning, and people prefer the "
                "resulting InstructGPT models over far larger base models."),
    "christiano2017deep": dict(
        title="Deep reinforcement learning from human preferences",
        authors=["Christiano, Paul F.", "Leike, Jan", "Brown, Tom B."], year=2017,
        arxiv="1706.03741", tags=["rlhf"], type="inproceedings",
        summary="Agents master Atari games and simulated robot locomotion when a person "
                "merely compares pairs of short video clips of their behaviour; no "
                "hand-written reward function is needed."),
    "rafailov2023direct": dict(
        title="Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        authors=["Rafailov, Rafael", "Sharma, Archit", "Mitchell, Eric"], year=2023,
        arxiv="2305.18290", tags=["rlhf", "alignment"], type="inproceedings",
        summary="Rewrites the preference objective in terms of the policy itself, so no "
                "separate reward model and no reinforcement learning loop are needed: a "
                "classification loss on chosen versus rejected answers suffices."),
    "schulman2017proximal": dict(
        title="Proximal Policy Optimization Algorithms",
        authors=["Schulman, John", "Wolski, Filip", "Dhariwal, Prafulla"], year=2017,
        arxiv="1707.06347", tags=["rl"], type="misc",
        summary="A policy-gradient method that clips the probability ratio between the new "
                "and the old policy, so several epochs of minibatch updates can reuse one "
                "batch of sampled experience without destructively large steps."),
    "devlin2019bert": dict(
        title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        authors=["Devlin, Jacob", "Chang, Ming-Wei", "Lee, Kenton", "Toutanova, Kristina"],
        year=2019, arxiv="1810.04805", tags=["architecture", "pretraining"], type="inproceedings",
        summary="An encoder pretrained to fill in masked words from context on both sides and "
                "to tell whether two sentences follow each other; fine-tuned, it set new "
                "results on many understanding benchmarks."),
    "wei2022chain": dict(
        title="Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
        authors=["Wei, Jason", "Wang, Xuezhi", "Schuurmans, Dale"], year=2022,
        arxiv="2201.11903", tags=["prompting", "reasoning"],
        summary="Putting worked examples with intermediate steps into the prompt makes large "
                "models far better at arithmetic word problems, commonsense and symbolic tasks."),
    "mnih2015human": dict(
        title="Human-level control through deep reinforcement learning",
        authors=["Mnih, Volodymyr", "Kavukcuoglu, Koray", "Silver, David"], year=2015,
        venue="Nature", doi="10.1038/nature14236", tags=["rl"],
        summary="A convolutional network trained by Q-learning with experience replay and a "
                "target network plays dozens of Atari games from raw screen pixels about as "
                "well as a professional human tester."),
    "bai2022constitutional": dict(
        title="Constitutional AI: Harmlessness from AI Feedback",
        authors=["Bai, Yuntao", "Kadavath, Saurav", "Kundu, Sandipan"], year=2022,
        arxiv="2212.08073", tags=["alignment"],
        summary="A short list of written principles replaces human labels of harm: the model "
                "critiques and revises its own answers, and preference labels produced by a "
                "model train the reward model."),
}

SESSION_2 = """---
session: 2
date: 2025-10-22
title: Learning from human preferences
readings:
- key: christiano2017deep
  kind: required
- key: ouyang2022training
  kind: optional
---
How a reward learned from human comparisons steers a policy.
"""


def make_library(root: Path) -> Path:
    """Write LIBRARY and a second session into the course at ``root``."""
    for key, fields in LIBRARY.items():
        write(root, f"papers/{key}.md", paper(key, **fields))
    write(root, "docs/sessions/02-preferences.md", SESSION_2)
    return root
