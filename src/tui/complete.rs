//! Path completion for the submit prompt, as a shell does it: the longest common start of the
//! names in the folder that begin with what was typed, and the names themselves to show.

use std::path::{Path, PathBuf};

/// (the input completed as far as it is unambiguous, the matching names; folders end in `/`).
/// `~/` stands for the home folder.
pub fn complete(input: &str) -> (String, Vec<String>) {
    let expanded = expand_home(input);
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (expanded[..=i].to_string(), expanded[i + 1..].to_string()),
        None => (String::new(), expanded.clone()),
    };
    let folder = if dir.is_empty() {
        PathBuf::from(".")
    } else {
        PathBuf::from(&dir)
    };
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if !name.starts_with(&prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    let common = common_prefix(&names);
    let completed = if common.len() > prefix.len() {
        format!("{dir}{common}")
    } else {
        expanded
    };
    (completed, names)
}

fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut end = first.len();
    for name in &names[1..] {
        end = first
            .char_indices()
            .zip(name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

fn expand_home(input: &str) -> String {
    match (input.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest).to_string_lossy().into_owned(),
        _ => input.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_to_the_common_start_and_lists_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("scene-one.txt"), "").unwrap();
        std::fs::write(dir.path().join("scene-two.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("shots")).unwrap();
        let base = format!("{}/", dir.path().display());
        let (done, names) = complete(&format!("{base}sc"));
        assert_eq!(done, format!("{base}scene-"));
        assert_eq!(names, vec!["scene-one.txt", "scene-two.txt"]);
        let (done, _) = complete(&format!("{base}sh"));
        assert_eq!(done, format!("{base}shots/"));
        let (done, names) = complete(&format!("{base}zz"));
        assert_eq!(done, format!("{base}zz"));
        assert!(names.is_empty());
    }
}
