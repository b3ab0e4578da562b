//! `inkmark assign`: which articles each annotator gets, with a fraction given to two
//! annotators for agreement. Deterministic: the same corpus and team give the same plan
//! on every machine (articles are ordered by a hash of their path, not by listing order).

use crate::detect::sha256_hex;
use crate::team::agree::pairs;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// The plan's file, in the folder that holds the annotators' folders.
pub const PLAN_FILE: &str = "assignment.json";
pub const FORMAT: &str = "inkmark-assign/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub team: Vec<String>,
    /// The fraction of articles given to two annotators.
    pub overlap: f64,
    /// The articles given to two annotators (for `inkmark agree`), sorted.
    pub double: Vec<String>,
    /// Per annotator, the articles to annotate, sorted.
    pub annotators: BTreeMap<String, Vec<String>>,
}

/// Makes the plan for `articles` (paths relative to the corpus folder). The first
/// `overlap · N` articles in hash order go to two annotators each, cycling through every
/// pair so each pair gets its share to compare; the others go to one, whoever has the
/// fewest so far (the first in team order on a tie).
pub fn plan(articles: &[String], team: &[String], overlap: f64) -> Result<Plan, String> {
    if team.is_empty() {
        return Err("--team needs at least one name".to_string());
    }
    let mut seen = HashSet::new();
    for name in team {
        crate::config::check_annotator_name(name)?;
        if !seen.insert(name) {
            return Err(format!("{name:?} is twice in --team"));
        }
    }
    if !(0.0..=1.0).contains(&overlap) {
        return Err(format!("--overlap must be between 0 and 1, not {overlap}"));
    }
    if overlap > 0.0 && team.len() < 2 {
        return Err("--overlap needs two or more annotators in --team".to_string());
    }
    let mut order: Vec<(String, &String)> = articles
        .iter()
        .map(|a| (sha256_hex(a.as_bytes()), a))
        .collect();
    order.sort();
    let doubles = (overlap * order.len() as f64).round() as usize;
    let pairs = pairs(team.len());
    let mut load = vec![0usize; team.len()];
    let mut lists: Vec<Vec<String>> = vec![Vec::new(); team.len()];
    let mut double = Vec::new();
    for (k, (_, article)) in order.iter().enumerate() {
        if k < doubles {
            let (i, j) = pairs[k % pairs.len()];
            for who in [i, j] {
                lists[who].push((*article).clone());
                load[who] += 1;
            }
            double.push((*article).clone());
        } else {
            let who = (0..team.len()).min_by_key(|&i| (load[i], i)).unwrap_or(0);
            lists[who].push((*article).clone());
            load[who] += 1;
        }
    }
    for l in &mut lists {
        l.sort();
    }
    double.sort();
    Ok(Plan {
        format: FORMAT.to_string(),
        team: team.to_vec(),
        overlap,
        double,
        annotators: team.iter().cloned().zip(lists).collect(),
    })
}

impl Plan {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn parse(text: &str) -> Result<Plan, String> {
        let p: Plan = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if p.format != FORMAT {
            return Err(format!("format {:?}, expected {FORMAT:?}", p.format));
        }
        Ok(p)
    }
}

/// Where the plan of an annotation folder is: beside the annotators' folders
/// (`annotations/assignment.json` for `annotations/alice`), else in the folder itself.
pub fn find_plan(annotations: &Path) -> Option<PathBuf> {
    let beside = annotations.parent().map(|p| p.join(PLAN_FILE));
    beside
        .into_iter()
        .chain(std::iter::once(annotations.join(PLAN_FILE)))
        .find(|p| p.is_file())
}

/// The articles the plan gives `annotator`, for the library's "mine" filter. `Ok(None)`:
/// no plan; `Err`: a plan that cannot be read (one line for the user).
pub fn mine(annotations: &Path, annotator: &str) -> Result<Option<HashSet<PathBuf>>, String> {
    let Some(path) = find_plan(annotations) else {
        return Ok(None);
    };
    let bytes =
        crate::corpus::read_regular(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let plan = Plan::parse(&String::from_utf8_lossy(&bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(
        plan.annotators
            .get(annotator)
            .map(|v| v.iter().map(PathBuf::from).collect())
            .unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{i:03}.txt")).collect()
    }

    fn team() -> Vec<String> {
        ["alice", "bob", "carol"].map(String::from).to_vec()
    }

    #[test]
    fn every_article_is_assigned_and_the_overlap_is_double() {
        let articles = names(100);
        let p = plan(&articles, &team(), 0.2).unwrap();
        // 20 doubles (2 annotators each) + 80 singles = 120 assignments, 40 each.
        assert_eq!(p.double.len(), 20);
        let sizes: Vec<usize> = p.annotators.values().map(Vec::len).collect();
        assert_eq!(sizes, [40, 40, 40]);
        let mut count: BTreeMap<&String, usize> = BTreeMap::new();
        for list in p.annotators.values() {
            for a in list {
                *count.entry(a).or_default() += 1;
            }
        }
        assert_eq!(count.len(), 100, "every article has someone");
        for a in &articles {
            let want = if p.double.contains(a) { 2 } else { 1 };
            assert_eq!(count[a], want, "{a}");
        }
        // Each pair shares some of the doubles.
        for (x, y) in [("alice", "bob"), ("alice", "carol"), ("bob", "carol")] {
            let shared = p.annotators[x]
                .iter()
                .filter(|a| p.annotators[y].contains(a))
                .count();
            assert!(shared >= 6, "{x} {y}: {shared}");
        }
    }

    #[test]
    fn the_plan_depends_on_the_names_only_not_their_order() {
        let mut articles = names(50);
        let a = plan(&articles, &team(), 0.3).unwrap();
        articles.reverse();
        let b = plan(&articles, &team(), 0.3).unwrap();
        assert_eq!(a, b);
        assert_eq!(Plan::parse(&a.to_json()).unwrap(), a);
    }

    #[test]
    fn bad_plans_are_refused() {
        let a = names(3);
        assert!(plan(&a, &[], 0.0).is_err());
        assert!(plan(&a, &team(), 1.5).is_err());
        assert!(plan(&a, &["solo".to_string()], 0.2).is_err());
        assert!(plan(&a, &["x".to_string(), "x".to_string()], 0.2).is_err());
        assert!(plan(&a, &["../up".to_string(), "b".to_string()], 0.2).is_err());
        // One annotator without overlap: everything is theirs.
        let p = plan(&a, &["solo".to_string()], 0.0).unwrap();
        assert_eq!(p.annotators["solo"], a);
    }
}
