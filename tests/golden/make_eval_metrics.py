#!/usr/bin/env python3
"""Golden values of the MTEB-style evaluation metrics, computed by the reference Python libraries
(scipy, scikit-learn, pytrec_eval), for genvec's native C++ metrics (tests/eval/metrics_test.cpp).
Run in the golden venv, from the repository root:

    /work/venv/bin/python tests/golden/make_eval_metrics.py

Versions the fixtures were made with: numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1,
pytrec_eval-terrier 0.5.11 (`/work/venv/bin/pip install pytrec-eval-terrier==0.5.11`; the module
is `pytrec_eval`). Each file's "reference" field names the library that computed it. The script
asserts the installed versions, so a fixture is never silently rewritten by another version.

Deterministic: every input comes from numpy.random.default_rng with a fixed seed. Every float
input is rounded to 6 significant digits (float(f"{x:.6g}")) BEFORE the expected values are
computed, so the expected values are exactly those of the stored inputs. Expected values are
stored with full double precision (Python's repr, the shortest string that round-trips).
JSON layout: compact, one case per line.

Writes tests/golden/eval_metrics/:

  sts.json                  scipy.stats.spearmanr / pearsonr (what MTEB's STSEvaluator calls).
  retrieval.json            pytrec_eval.RelevanceEvaluator with exactly BEIR's / MTEB 1.x's measure
                            set, per query and mean; mrr@10 as BEIR's custom_metrics.mrr computes
                            it, plus pytrec_eval's recip_rank on the same top 10.
  reranking.json            MTEB RerankingEvaluator: AP = sklearn average_precision_score, MRR@10
                            from argsort(-scores).
  pair_classification.json  MTEB PairClassificationEvaluator's AP for each similarity.
  classification.json       sklearn accuracy / f1(macro); MTEB's logistic regression.
  clustering.json           sklearn v_measure (+homogeneity, completeness); MTEB's MiniBatchKMeans
                            clustering over seeds 0..9.

Notes for the C++ port (checked by this script where it says "asserted"):

  retrieval (pytrec_eval = trec_eval 9.x measures):
    * ranking: score descending, ties broken by doc id in DESCENDING byte order (strcmp), e.g.
      among equal scores "d2" > "b" > "a" > "9" > "10". Asserted: a plain-Python re-implementation
      with that order (trec_reference below) reproduces every pytrec_eval value of every case to
      1e-12, including the heavy-tie case (b).
    * relevant = qrels relevance >= 1 (relevance_level 1); relevance 0 and negative (-1) judgments
      are both just non-relevant: they add nothing to DCG (gain = relevance if > 0 else 0), nor to
      the ideal DCG, nor to num_rel. ndcg_cut.k: gain / log2(rank + 1), linear gain (not 2^rel-1),
      IDCG from all judged relevances sorted descending, cut at k; 0 if IDCG is 0.
      P.k = (relevant in top k) / k, even when fewer than k docs are retrieved.
      recall.k = (relevant in top k) / num_rel; map_cut.k = sum over relevant ranks r <= k of
      precision@r, divided by num_rel (not by min(k, num_rel)). num_rel == 0 gives 0 for all.
    * pytrec_eval evaluates only queries that are in BOTH qrels and run: a run query without
      qrels (case e) and a qrels query without a run (case c, "q_norun") are absent from its
      output. "mean" here is over the queries present in per_query (that is BEIR's / MTEB's
      len(scores) denominator for ndcg/map/recall/P; BEIR/MTEB 1.x then round the mean to 5
      decimals, which this fixture does not).
    * BEIR's mrr (beir/retrieval/custom_metrics.py::mrr, identical in mteb 1.12 utils.py) takes
      sorted(run[q].items(), key=lambda x: x[1], reverse=True)[0:k]: Python's sort is stable, so
      ties stay in run-dict INSERTION order, i.e. the key order of the "run" objects in this JSON
      file (a C++ reader must keep object key order to reproduce "mrr@10" on tied cases).
      Relevant = qrels > 0. Its mean divides by len(qrels) (queries without a run count as 0)
      and it raises KeyError for a run query that has no qrels; this fixture stores per-query
      values only for queries in per_query.
      "recip_rank@10_trec" = pytrec_eval recip_rank on the run truncated to BEIR's top 10; inside
      that top 10 pytrec_eval re-sorts with its doc-id tie-break. The two differ exactly when a
      tie straddles the first relevant document. Observed (printed when the script runs): they
      agree on cases a, c, d, e and differ on several queries of the tie case b. mteb 2.x later
      changed its mrr to sort by (score, doc id) descending, i.e. the trec order (mteb PR #5136).
  reranking:
    * AP is sklearn's average_precision_score: tied scores form ONE threshold (step-wise PR
      curve), so AP does not depend on the order of tied candidates.
    * MRR@10: MTEB 1.x uses torch.argsort(-scores) (not stable); the stored "mrr@10" uses
      numpy.argsort(-scores, kind="stable"): ties in candidate order, i.e. positives (which come
      first, MTEB's [positives..., negatives...] layout) win ties. On the "ties" case mrr@10
      depends on the tie order in 15 of 20 samples; numpy's default argsort (AVX-512 sort here,
      machine dependent) differs from the stable order on 5 samples, torch.argsort on 4
      (printed when the script runs). The "random" case has no ties.
  pair classification: mteb 1.x keys are cos_sim / dot / euclidean / manhattan; here "cosine"
    = 1 - sklearn paired_cosine_distances, "dot" = np.dot, "euclidean" / "manhattan" = AP of the
    NEGATED sklearn paired distances; max_ap = the max of the four (mteb "max" -> "ap").
  classification: LogisticRegression exactly as mteb 1.x logRegClassificationEvaluator
    (mteb/evaluation/evaluators/ClassificationEvaluator.py, tags 1.12.0-1.39):
    LogisticRegression(random_state=42, n_jobs=-1, max_iter=100, verbose=0) -- seed is the
    Evaluator default 42; n_jobs has no effect for lbfgs (sklearn >= 1.8 warns). Defaults: lbfgs,
    C=1.0, L2, tol=1e-4, fit_intercept, multinomial for > 2 classes. sklearn 1.9 minimizes
    (1/n) sum_i -log softmax(W x_i + b)[y_i] + ||W||_F^2 / (2 C n) (intercept not penalized) with
    scipy L-BFGS-B (gtol=tol on the max |gradient|, ftol=64 eps, maxls=50).
    On these unit-norm inputs lbfgs stops on tol=1e-4 after 10 / 8 iterations, so max_iter=100
    and max_iter=10000 ("*_converged", f1_macro_converged added) give the SAME fit -- but that fit
    is not the optimum: its W is ~8e-3 off and 1 of 800 predictions of case 1 differs from the
    optimum. "*_optimum" (+ coef_optimum [classes x dim], intercept_optimum) use tol=1e-10
    (28 / 15 iterations; identical to tol=1e-12), which any exact solver of the same objective
    should reproduce; the smallest top-2 decision-function margin on the test rows there is
    4.5e-4 / 2.1e-3, so matching predictions exactly is realistic.
    f1_macro = f1_score(average="macro"): the classes are the union of y_true and y_pred; a class
    never predicted has precision 0/0 := 0, a class never true has recall 0/0 := 0 (sklearn
    zero_division="warn" -> 0), so both contribute F1 = 0 to the macro mean.
  clustering: MiniBatchKMeans(n_clusters=len(set(labels)), batch_size=500, n_init="auto",
    random_state=seed) as mteb 1.x ClusteringEvaluator (clustering_batch_size=500, n_init="auto";
    mteb 1.x passes no random_state, so it uses numpy's global RNG, which Evaluator.__init__ seeds
    with 42 just before; mteb 2.x passes random_state=self.seed = 42). n_init="auto" means 1
    k-means++ init. The seeds 0..9 here show the spread a reimplementation should land in; the
    C++ k-means will not reproduce sklearn's random stream, compare v_measure_mean loosely.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pytrec_eval
import scipy
import scipy.stats
import sklearn
from importlib.metadata import version as pkg_version
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    completeness_score,
    f1_score,
    homogeneity_score,
    v_measure_score,
)
from sklearn.metrics.pairwise import (
    paired_cosine_distances,
    paired_euclidean_distances,
    paired_manhattan_distances,
)

EXPECTED_VERSIONS = {
    "numpy": "2.4.6",
    "scipy": "1.17.1",
    "scikit-learn": "1.9.1",
    "pytrec-eval-terrier": "0.5.11",
}

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "eval_metrics")
K_VALUES = [1, 3, 5, 10, 100]


def check_versions():
    bad = []
    for pkg, want in EXPECTED_VERSIONS.items():
        have = pkg_version(pkg)
        if have != want:
            bad.append(f"{pkg} {have} (fixtures were made with {want})")
    if bad:
        sys.exit("version mismatch: " + "; ".join(bad))


def r6(x):
    """Round to 6 significant digits (the stored input precision)."""
    return float(f"{float(x):.6g}")


def r6a(a):
    return np.vectorize(r6, otypes=[np.float64])(np.asarray(a, dtype=np.float64))


def fl(x):
    """A Python float (repr = shortest round-trip string)."""
    return float(x)


def write_json(name, header, lists):
    """header: dict of scalar fields; lists: dict name -> list of cases, one case per line."""
    path = os.path.join(OUT_DIR, name)
    parts = []
    for k, v in header.items():
        parts.append(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":")))
    for k, cases in lists.items():
        body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
        parts.append(json.dumps(k) + ":[\n" + body + "\n]")
    with open(path, "w") as f:
        f.write("{" + ",\n".join(parts) + "}\n")
    json.load(open(path))  # well-formed
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def unit_rows(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --------------------------------------------------------------------------------------------
# 1. STS
# --------------------------------------------------------------------------------------------
def sts_case(name, predicted, gold):
    predicted = [fl(v) for v in predicted]
    gold = [fl(v) for v in gold]
    # MTEB: pearsonr(gold, cos_scores), spearmanr(gold, cos_scores)
    return {
        "name": name,
        "predicted": predicted,
        "gold": gold,
        "spearman": fl(scipy.stats.spearmanr(gold, predicted).statistic),
        "pearson": fl(scipy.stats.pearsonr(gold, predicted).statistic),
    }


def make_sts():
    rng = np.random.default_rng(1001)
    cases = []
    # random n=50, correlated
    g = rng.uniform(0, 5, 50)
    p = 0.1 * g + rng.normal(0, 0.25, 50)
    cases.append(sts_case("random_n50", r6a(p), r6a(g)))
    # n=200, heavy ties in both: predicted on a 0.1 grid in [-0.3, 1], gold integers 0..5
    g = rng.integers(0, 6, 200).astype(np.float64)
    p = np.round(np.clip(0.15 * g + rng.normal(0, 0.2, 200), -0.3, 1.0), 1)
    cases.append(sts_case("ties_both_n200", r6a(p), r6a(g)))
    # ties only in gold: STS gold 0..5 in 0.2 steps, continuous cosine predictions
    g = np.array([round(0.2 * k, 1) for k in rng.integers(0, 26, 120)])
    p = 0.5 + 0.08 * g + rng.normal(0, 0.12, 120)
    assert len(np.unique(r6a(p))) == 120
    cases.append(sts_case("ties_gold_only_n120", r6a(p), r6a(g)))
    # tiny
    cases.append(sts_case("tiny_n3", [0.9, 0.1, 0.5], [4.2, 1.0, 3.8]))
    write_json("sts.json", {"reference": f"scipy {scipy.__version__}"}, {"cases": cases})


# --------------------------------------------------------------------------------------------
# 2. Retrieval
# --------------------------------------------------------------------------------------------
def trec_reference(qrels_q, run_q, k_values):
    """Plain-Python trec_eval measures, used only to assert our reading of pytrec_eval."""
    ranking = sorted(run_q.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    rel = [qrels_q.get(d, 0) for d, _ in ranking]
    num_rel = sum(1 for v in qrels_q.values() if v >= 1)
    ideal = sorted((v for v in qrels_q.values() if v > 0), reverse=True)
    out = {}
    for k in k_values:
        top = rel[:k]
        hits = sum(1 for v in top if v >= 1)
        out[f"P_{k}"] = hits / k
        out[f"recall_{k}"] = hits / num_rel if num_rel else 0.0
        ap, h = 0.0, 0
        for i, v in enumerate(top):
            if v >= 1:
                h += 1
                ap += h / (i + 1)
        out[f"map_cut_{k}"] = ap / num_rel if num_rel else 0.0
        dcg = sum((v if v > 0 else 0) / math.log2(i + 2) for i, v in enumerate(top))
        idcg = sum(v / math.log2(i + 2) for i, v in enumerate(ideal[:k]))
        out[f"ndcg_cut_{k}"] = dcg / idcg if idcg > 0 else 0.0
    return out


def beir_mrr_per_query(qrels_q, run_q, k):
    """beir/retrieval/custom_metrics.py::mrr for one query (before the mean)."""
    top_hits = sorted(run_q.items(), key=lambda item: item[1], reverse=True)[0:k]
    query_relevant_docs = set([doc_id for doc_id in qrels_q if qrels_q[doc_id] > 0])
    for rank, hit in enumerate(top_hits[0:k]):
        if hit[0] in query_relevant_docs:
            return 1.0 / (rank + 1)
    return 0.0


def retrieval_case(name, qrels, run):
    measures = {
        "ndcg_cut." + ",".join(map(str, K_VALUES)),
        "map_cut." + ",".join(map(str, K_VALUES)),
        "recall." + ",".join(map(str, K_VALUES)),
        "P." + ",".join(map(str, K_VALUES)),
    }
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures)
    scores = evaluator.evaluate(run)
    # recip_rank on the run truncated to BEIR's top 10
    trunc = {
        q: dict(sorted(run[q].items(), key=lambda x: x[1], reverse=True)[0:10]) for q in scores
    }
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(trunc)

    per_query = {}
    differ = []
    for q in run:  # run order; only queries pytrec_eval evaluated
        if q not in scores:
            continue
        s = scores[q]
        ref = trec_reference(qrels[q], run[q], K_VALUES)
        for key, v in ref.items():
            assert abs(s[key] - v) <= 1e-12, (name, q, key, s[key], v)
        m = {}
        for prefix, trec in (("ndcg", "ndcg_cut"), ("map", "map_cut"), ("recall", "recall"),
                             ("precision", "P")):
            for k in K_VALUES:
                m[f"{prefix}@{k}"] = fl(s[f"{trec}_{k}"])
        m["mrr@10"] = fl(beir_mrr_per_query(qrels[q], run[q], 10))
        m["recip_rank@10_trec"] = fl(rr[q]["recip_rank"])
        if m["mrr@10"] != m["recip_rank@10_trec"]:
            differ.append(q)
        per_query[q] = m
    assert set(per_query) == set(scores)
    metrics = list(next(iter(per_query.values())).keys())
    mean = {k: fl(math.fsum(pq[k] for pq in per_query.values()) / len(per_query)) for k in metrics}
    print(f"  retrieval {name}: {len(per_query)} evaluated queries; BEIR mrr@10 != trec "
          f"recip_rank@10 on {len(differ)}: {differ}")
    return {"name": name, "qrels": qrels, "run": run, "per_query": per_query, "mean": mean}


def make_retrieval():
    cases = []

    # (a) random: 20 queries, 60 retrieved docs each, graded qrels 0..3 incl. 0s, some judged
    #     docs not retrieved.
    rng = np.random.default_rng(2001)
    pool = [f"doc{i}" for i in range(300)]
    qrels, run = {}, {}
    for qi in range(20):
        q = f"q{qi}"
        docs = [pool[i] for i in rng.choice(len(pool), 60, replace=False)]
        scores = r6a(rng.uniform(0.0, 1.0, 60))
        run[q] = {d: fl(s) for d, s in zip(docs, scores)}
        judged_in = [docs[i] for i in rng.choice(60, 6, replace=False)]
        outside = [d for d in pool if d not in run[q]]
        judged_out = [outside[i] for i in rng.choice(len(outside), 3, replace=False)]
        rels = rng.integers(0, 4, 9)
        rels[0] = max(rels[0], 1)
        qrels[q] = {d: int(r) for d, r in zip(judged_in + judged_out, rels)}
    cases.append(retrieval_case("a_random", qrels, run))

    # (b) heavy ties (scores on a 0.1 grid), numeric-looking and string doc ids of different
    #     lengths so the doc-id tie-break (descending strcmp) matters; run insertion order is a
    #     random permutation (BEIR's mrr keeps it for ties).
    rng = np.random.default_rng(2002)
    ids = ["9", "10", "100", "1", "2", "20", "d2", "d10", "d1", "a", "b", "ab", "B", "x9",
           "x10", "099", "99", "doc", "Doc", "z"]
    qrels, run = {}, {}
    for qi in range(10):
        q = f"tq{qi}"
        perm = rng.permutation(len(ids))
        docs = [ids[i] for i in perm[:16]]
        scores = np.round(rng.uniform(0.05, 0.45, 16), 1)
        run[q] = {d: fl(r6(s)) for d, s in zip(docs, scores)}
        judged = [ids[i] for i in rng.choice(len(ids), 7, replace=False)]
        rels = rng.integers(0, 3, 7)
        rels[0] = max(rels[0], 1)
        qrels[q] = {d: int(r) for d, r in zip(judged, rels)}
    cases.append(retrieval_case("b_ties_docid_tiebreak", qrels, run))

    # (c) a query whose relevant docs are all missing from the run; plus a qrels query with no
    #     run at all ("q_norun": pytrec_eval skips it, it is absent from per_query and mean).
    qrels = {
        "q1": {"d1": 2, "d2": 1, "d3": 0},
        "q2": {"d7": 1, "d8": 3},
        "q_norun": {"d1": 1},
    }
    run = {
        "q1": {"d3": 0.9, "d1": 0.8, "d5": 0.7, "d2": 0.1},
        "q2": {"d1": 0.95, "d2": 0.85, "d3": 0.5, "d4": 0.25},  # d7, d8 not retrieved
    }
    cases.append(retrieval_case("c_relevant_not_retrieved", qrels, run))

    # (d) negative relevance in qrels; "qneg_only" has only 0 / -1 judgments (num_rel 0)
    qrels = {
        "qa": {"n1": -1, "n2": -1, "r1": 2, "r2": 1, "z": 0},
        "qb": {"n1": -1, "r3": 3, "r1": 1},
        "qneg_only": {"n1": -1, "n2": 0},
    }
    run = {
        "qa": {"n1": 0.99, "n2": 0.98, "r2": 0.97, "z": 0.5, "r1": 0.3, "u": 0.2},
        "qb": {"r3": 0.8, "n1": 0.7, "u": 0.6, "r1": 0.55},
        "qneg_only": {"n1": 0.9, "n2": 0.8, "u": 0.7},
    }
    cases.append(retrieval_case("d_negative_relevance", qrels, run))

    # (e) a run query that is not in qrels: ignored by pytrec_eval, mean over evaluated queries
    qrels = {"q1": {"d1": 1, "d4": 2}, "q2": {"d2": 1}}
    run = {
        "q1": {"d1": 0.5, "d2": 0.6, "d3": 0.7, "d4": 0.4},
        "q_unjudged": {"d1": 0.9, "d2": 0.8},
        "q2": {"d1": 0.3, "d2": 0.2, "d3": 0.1},
    }
    cases.append(retrieval_case("e_run_query_without_qrels", qrels, run))

    write_json(
        "retrieval.json",
        {"reference": f"pytrec_eval {pkg_version('pytrec-eval-terrier')} (pypi pytrec-eval-terrier)",
         "k_values": K_VALUES},
        {"cases": cases},
    )


# --------------------------------------------------------------------------------------------
# 3. Reranking
# --------------------------------------------------------------------------------------------
def mrr_at_k_score(is_relevant, pred_ranking, k):
    """mteb RerankingEvaluator.mrr_at_k_score."""
    mrr_score = 0
    for rank, index in enumerate(pred_ranking[:k]):
        if is_relevant[index]:
            mrr_score = 1 / (rank + 1)
            break
    return mrr_score


def reranking_case(name, samples):
    per_sample = []
    for s in samples:
        scores = np.asarray(s["scores"], dtype=np.float64)
        ranking = np.argsort(-scores, kind="stable")
        per_sample.append({
            "ap": fl(average_precision_score(s["relevant"], s["scores"])),
            "mrr@10": fl(mrr_at_k_score(s["relevant"], ranking, 10)),
        })
    return {
        "name": name,
        "samples": samples,
        "per_sample": per_sample,
        "map": fl(np.mean([p["ap"] for p in per_sample])),
        "mrr@10": fl(np.mean([p["mrr@10"] for p in per_sample])),
    }


def make_reranking():
    import torch

    rng = np.random.default_rng(3001)

    def sample(n, npos, tie_grid=None, pos_shift=0.15):
        pos = rng.normal(0.55 + pos_shift, 0.12, npos)
        neg = rng.normal(0.55, 0.12, n - npos)
        scores = np.clip(np.concatenate([pos, neg]), -1.0, 1.0)
        scores = np.round(scores, 1) if tie_grid else r6a(scores)
        return {"scores": [fl(v) for v in scores], "relevant": [True] * npos + [False] * (n - npos)}

    random_samples = []
    for _ in range(30):
        n = int(rng.integers(5, 41))
        npos = int(rng.integers(1, min(5, n - 1) + 1))
        random_samples.append(sample(n, npos))
    # one sample whose first positive is ranked below 10 (mrr@10 = 0)
    n, npos = 30, 2
    s = [fl(v) for v in r6a(np.concatenate([[0.11, 0.12], rng.uniform(0.3, 0.9, n - npos)]))]
    random_samples.append({"scores": s, "relevant": [True] * npos + [False] * (n - npos)})

    tie_samples = []
    for _ in range(20):
        n = int(rng.integers(5, 41))
        npos = int(rng.integers(1, min(5, n - 1) + 1))
        tie_samples.append(sample(n, npos, tie_grid=True, pos_shift=0.05))

    cases = [reranking_case("random", random_samples), reranking_case("ties", tie_samples)]

    # how other argsorts break the ties of the tie case (printed, not stored)
    n_np = n_torch = 0
    for s in tie_samples:
        sc = np.asarray(s["scores"])
        ref = mrr_at_k_score(s["relevant"], np.argsort(-sc, kind="stable"), 10)
        n_np += mrr_at_k_score(s["relevant"], np.argsort(-sc), 10) != ref
        n_torch += mrr_at_k_score(s["relevant"],
                                  torch.argsort(-torch.tensor(sc)).tolist(), 10) != ref
    changed = sum(
        mrr_at_k_score(s["relevant"], np.argsort(-np.asarray(s["scores"]), kind="stable"), 10)
        != mrr_at_k_score(s["relevant"][::-1],
                          np.argsort(-np.asarray(s["scores"][::-1]), kind="stable"), 10)
        for s in tie_samples)
    print(f"  reranking ties: mrr@10 depends on tie order in {changed}/{len(tie_samples)} samples; "
          f"vs stable: numpy default argsort differs on {n_np}, torch.argsort on {n_torch}")
    write_json("reranking.json", {"reference": f"scikit-learn {sklearn.__version__}"},
               {"cases": cases})


# --------------------------------------------------------------------------------------------
# 4. Pair classification
# --------------------------------------------------------------------------------------------
def make_pair_classification():
    rng = np.random.default_rng(4001)
    n, dim = 120, 8
    cases = []
    for name, noise_pos, noise_neg, rho_neg in (("correlated", 0.6, 1.0, 0.5),):
        labels = rng.integers(0, 2, n)
        e1 = rng.normal(0, 1, (n, dim)) * rng.uniform(0.5, 2.0, (n, 1))  # varying norms
        e2 = np.empty_like(e1)
        for i in range(n):
            if labels[i] == 1:
                e2[i] = e1[i] + rng.normal(0, noise_pos, dim)
            else:
                e2[i] = rho_neg * e1[i] + rng.normal(0, noise_neg, dim)
            e2[i] *= rng.uniform(0.5, 2.0)
        e1, e2 = r6a(e1), r6a(e2)
        # mteb PairClassificationEvaluator.compute_metrics
        cosine_scores = 1 - paired_cosine_distances(e1, e2)
        manhattan_distances = paired_manhattan_distances(e1, e2)
        euclidean_distances = paired_euclidean_distances(e1, e2)
        dot_scores = [np.dot(e1[i], e2[i]) for i in range(len(e1))]
        ap = {
            "cosine": fl(average_precision_score(labels, cosine_scores * 1)),
            "dot": fl(average_precision_score(labels, np.asarray(dot_scores) * 1)),
            "euclidean": fl(average_precision_score(labels, euclidean_distances * -1)),
            "manhattan": fl(average_precision_score(labels, manhattan_distances * -1)),
        }
        cases.append({
            "name": name,
            "embeddings1": e1.tolist(),
            "embeddings2": e2.tolist(),
            "labels": [int(v) for v in labels],
            "ap": ap,
            "max_ap": fl(max(ap.values())),
        })
        print(f"  pair_classification {name}: ap {ap}")
    write_json("pair_classification.json", {"reference": f"scikit-learn {sklearn.__version__}"},
               {"cases": cases})


# --------------------------------------------------------------------------------------------
# 5. Classification
# --------------------------------------------------------------------------------------------
def mteb_logreg(max_iter, **extra):
    # mteb 1.x logRegClassificationEvaluator: random_state=self.seed (42), n_jobs=-1,
    # max_iter=self.max_iter (100), verbose=0.
    return LogisticRegression(random_state=42, n_jobs=-1, max_iter=max_iter, verbose=0, **extra)


def blobs(rng, n_classes, dim, n_per_class_train, n_per_class_test, spread):
    centers = unit_rows(rng.normal(0, 1, (n_classes, dim)))

    def draw(n_per):
        y = np.repeat(np.arange(n_classes), n_per)
        rng.shuffle(y)
        x = centers[y] + rng.normal(0, spread / math.sqrt(dim), (len(y), dim))
        return r6a(unit_rows(x)), y

    return draw(n_per_class_train), draw(n_per_class_test)


def make_classification():
    f1_cases = []

    def f1_case(name, y_true, y_pred):
        return {
            "name": name,
            "y_true": [int(v) for v in y_true],
            "y_pred": [int(v) for v in y_pred],
            "accuracy": fl(accuracy_score(y_true, y_pred)),
            "f1_macro": fl(f1_score(y_true, y_pred, average="macro")),
        }

    rng = np.random.default_rng(5001)
    y_true = rng.integers(0, 10, 200)
    y_pred = np.where(rng.uniform(size=200) < 0.6, y_true, rng.integers(0, 10, 200))
    f1_cases.append(f1_case("random_10_classes", y_true, y_pred))
    # class 7 only in y_true (never predicted), class 9 only in y_pred (never true)
    y_true = rng.integers(0, 8, 60)  # classes 0..7
    y_pred = np.where(rng.uniform(size=60) < 0.7, y_true, rng.integers(0, 7, 60))
    y_pred[y_pred == 7] = 6
    y_pred[rng.choice(60, 4, replace=False)] = 9
    assert 7 in y_true and 7 not in y_pred and 9 in y_pred and 9 not in y_true
    f1_cases.append(f1_case("class_only_in_true_and_class_only_in_pred", y_true, y_pred))
    f1_cases.append(f1_case("perfect", [3, 1, 2, 3, 1], [3, 1, 2, 3, 1]))
    f1_cases.append(f1_case("binary", [0, 1, 1, 0, 1, 1, 0, 0, 1, 1],
                            [0, 1, 0, 0, 1, 1, 1, 0, 1, 0]))
    f1_cases.append(f1_case("non_contiguous_labels", [5, 17, 17, 42, 5, 42, 42],
                            [5, 17, 42, 42, 17, 42, 5]))

    logreg_cases = []
    specs = (("10_classes_dim16", 5101, 10, 16, 16, 80, 1.6),
             ("3_classes_dim24", 5102, 3, 24, 10, 100, 1.9))
    for name, seed, n_classes, dim, ntr, nte, spread in specs:
        rng = np.random.default_rng(seed)
        (x_train, y_train), (x_test, y_test) = blobs(rng, n_classes, dim, ntr, nte, spread)
        out = {"name": name, "x_train": x_train.tolist(), "y_train": [int(v) for v in y_train],
               "x_test": x_test.tolist(), "y_test": [int(v) for v in y_test]}
        for suffix, max_iter, extra in (("", 100, {}), ("_converged", 10000, {}),
                                        ("_optimum", 10000, {"tol": 1e-10})):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                clf = mteb_logreg(max_iter, **extra).fit(x_train, y_train)
            conv = [w for w in caught if "converge" in str(w.message).lower()]
            if suffix:
                assert not conv, f"{name}: max_iter=10000 did not converge"
            y_pred = clf.predict(x_test)
            out["accuracy" + suffix] = fl(accuracy_score(y_test, y_pred))
            out["f1_macro" + suffix] = fl(f1_score(y_test, y_pred, average="macro"))
            out["predictions" + suffix] = [int(v) for v in y_pred]
            df = np.sort(clf.decision_function(x_test), axis=1)
            print(f"  logreg {name} max_iter={max_iter} {extra}: n_iter={clf.n_iter_.tolist()} "
                  f"converged={not conv} accuracy={out['accuracy' + suffix]:.5f} "
                  f"min top-2 decision margin={(df[:, -1] - df[:, -2]).min():.2e}")
            if suffix == "_optimum":
                out["coef_optimum"] = clf.coef_.tolist()
                out["intercept_optimum"] = clf.intercept_.tolist()
        logreg_cases.append(out)
    write_json("classification.json", {"reference": f"scikit-learn {sklearn.__version__}"},
               {"f1_cases": f1_cases, "logreg_cases": logreg_cases})


# --------------------------------------------------------------------------------------------
# 6. Clustering
# --------------------------------------------------------------------------------------------
def make_clustering():
    vm_cases = []

    def vm_case(name, lt, lp):
        lt = [int(v) for v in lt]
        lp = [int(v) for v in lp]
        return {"name": name, "labels_true": lt, "labels_pred": lp,
                "v_measure": fl(v_measure_score(lt, lp)),
                "homogeneity": fl(homogeneity_score(lt, lp)),
                "completeness": fl(completeness_score(lt, lp))}

    rng = np.random.default_rng(6001)
    lt = rng.integers(0, 6, 150)
    lp = np.where(rng.uniform(size=150) < 0.6, lt, rng.integers(0, 8, 150))
    vm_cases.append(vm_case("random", lt, lp))
    lt = rng.integers(0, 5, 40)
    perm = np.array([3, 0, 4, 1, 2])
    vm_cases.append(vm_case("perfect_permuted", lt, perm[lt]))
    vm_cases.append(vm_case("all_in_one_cluster", lt, np.zeros_like(lt)))
    vm_cases.append(vm_case("singletons", lt, np.arange(len(lt))))
    vm_cases.append(vm_case("true_single_class", np.full(12, 4), rng.integers(0, 3, 12)))
    lt = rng.choice([-7, 3, 100, 1000000], 60)
    lp = np.where(rng.uniform(size=60) < 0.7, lt * 2 + 5, rng.choice([11, 42, 99], 60))
    vm_cases.append(vm_case("non_contiguous_ids", lt, lp))

    km_cases = []

    def km_case(name, x, labels):
        n_clusters = len(set(labels.tolist()))
        vs = []
        # 200 seeds: one run's V-measure varies by ~5 points from seed to seed, so only a mean
        # over many seeds is something another implementation's random stream can match.
        for seed in range(200):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                km = MiniBatchKMeans(n_clusters=n_clusters, batch_size=500, n_init="auto",
                                     random_state=seed).fit(x)
            vs.append(fl(v_measure_score(labels, km.labels_)))
        print(f"  kmeans {name}: v_measure per seed {[round(v, 3) for v in vs[:10]]}")
        return {"name": name, "x": x.tolist(), "labels": [int(v) for v in labels],
                "n_clusters": n_clusters, "v_measure_per_seed": vs[:10],
                "v_measure_mean": fl(np.mean(vs[:10])),
                "v_measure_mean_200_seeds": fl(np.mean(vs))}

    rng = np.random.default_rng(6101)
    centers = unit_rows(rng.normal(0, 1, (8, 16)))
    labels = rng.permutation(np.repeat(np.arange(8), 50))
    x = r6a(unit_rows(centers[labels] + rng.normal(0, 0.33, (400, 16))))
    km_cases.append(km_case("8_clusters_400x16", x, labels))

    rng = np.random.default_rng(6102)
    sizes = np.array([60, 40, 30, 25, 20, 18, 15, 13, 11, 10, 9, 8, 8, 7, 6, 5, 5, 4, 3, 3])
    assert sizes.sum() == 300 and len(sizes) == 20
    centers = unit_rows(rng.normal(0, 1, (20, 32)))
    labels = rng.permutation(np.repeat(np.arange(20), sizes))
    x = r6a(unit_rows(centers[labels] + rng.normal(0, 0.2, (300, 32))))
    km_cases.append(km_case("20_uneven_clusters_300x32", x, labels))

    write_json("clustering.json", {"reference": f"scikit-learn {sklearn.__version__}"},
               {"v_measure_cases": vm_cases, "kmeans_cases": km_cases})


def main():
    check_versions()
    os.makedirs(OUT_DIR, exist_ok=True)
    make_sts()
    make_retrieval()
    make_reranking()
    make_pair_classification()
    make_classification()
    make_clustering()
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
