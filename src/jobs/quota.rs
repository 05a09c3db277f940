//! Limits on what one user may ask of a shared daemon (config `quota_queued_jobs`,
//! `quota_output_bytes`), and on how long any job's video may be (`max_video_seconds`).
//! They are checked when work is queued, before any of it is done (the length again once the
//! plan knows it, before anything is rendered), and a refusal names the limit. A user is a
//! Unix uid as the bus reports it; jobs from the inbox have none and count against nobody's
//! quota, but the length limit holds for them too.

use super::model::{Job, JobState};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quota {
    /// Jobs one user may have queued or running at once.
    pub queued_jobs: Option<usize>,
    /// Bytes of output one user's finished jobs may keep on disk.
    pub output_bytes: Option<u64>,
    /// The longest video one job may make.
    pub video_seconds: Option<f64>,
}

/// A refusal; the message names the limit, its value and what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("over quota: {0}")]
pub struct OverQuota(pub String);

impl Quota {
    /// Whether `owner` may queue one more job, given every job the daemon holds.
    pub fn admit<'a>(
        &self,
        owner: u32,
        jobs: impl IntoIterator<Item = &'a Job>,
    ) -> Result<(), OverQuota> {
        if self.queued_jobs.is_none() && self.output_bytes.is_none() {
            return Ok(());
        }
        let (mut active, mut kept) = (0usize, 0u64);
        for job in jobs.into_iter().filter(|j| j.owner == Some(owner)) {
            match job.state {
                JobState::Queued | JobState::Running => active += 1,
                JobState::Done => kept += output_bytes(job),
                JobState::Failed | JobState::Cancelled => {}
            }
        }
        if let Some(limit) = self.queued_jobs.filter(|&limit| active >= limit) {
            return Err(OverQuota(format!(
                "quota_queued_jobs = {limit}: uid {owner} has {active} jobs queued or running"
            )));
        }
        if let Some(limit) = self.output_bytes.filter(|&limit| kept >= limit) {
            return Err(OverQuota(format!(
                "quota_output_bytes = {limit}: the finished jobs of uid {owner} keep {kept} bytes \
                 of output"
            )));
        }
        Ok(())
    }

    /// Whether a video of about `seconds` (what `what` will make) may be made.
    pub fn check_length(&self, seconds: f64, what: &str) -> Result<(), OverQuota> {
        match self.video_seconds {
            Some(limit) if seconds > limit => Err(OverQuota(format!(
                "max_video_seconds = {limit}: {what} makes about {seconds:.0} s of video"
            ))),
            _ => Ok(()),
        }
    }
}

/// Bytes of `job`'s outputs still on disk (files removed since count for nothing).
fn output_bytes(job: &Job) -> u64 {
    job.outputs
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::JobOptions;
    use crate::store::Id;

    fn job(owner: Option<u32>, state: JobState) -> Job {
        let mut job = Job::new(Id::new(), "a.txt".into(), JobOptions::default(), None);
        job.owner = owner;
        job.state = state;
        job
    }

    #[test]
    fn queued_and_running_jobs_count_against_their_owner_only() {
        let quota = Quota {
            queued_jobs: Some(2),
            ..Quota::default()
        };
        let jobs = [
            job(Some(7), JobState::Queued),
            job(Some(7), JobState::Done),
            job(Some(8), JobState::Running),
            job(None, JobState::Queued),
        ];
        assert_eq!(quota.admit(7, &jobs), Ok(()));
        let more = [&jobs[..], &[job(Some(7), JobState::Running)]].concat();
        let refused = quota.admit(7, &more).unwrap_err().to_string();
        assert_eq!(
            refused,
            "over quota: quota_queued_jobs = 2: uid 7 has 2 jobs queued or running"
        );
        assert_eq!(quota.admit(8, &more), Ok(()));
    }

    #[test]
    fn kept_output_counts_the_files_still_there() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("a.mp4");
        std::fs::write(&output, vec![0u8; 1000]).unwrap();
        let mut done = job(Some(7), JobState::Done);
        done.outputs = vec![output.clone(), dir.path().join("removed.mp4")];
        let quota = Quota {
            output_bytes: Some(1000),
            ..Quota::default()
        };
        let refused = quota.admit(7, [&done]).unwrap_err().to_string();
        assert!(refused.contains("quota_output_bytes = 1000"), "{refused}");
        assert!(refused.contains("keep 1000 bytes"), "{refused}");
        std::fs::write(&output, vec![0u8; 999]).unwrap();
        assert_eq!(quota.admit(7, [&done]), Ok(()));
    }

    #[test]
    fn a_video_over_the_longest_allowed_is_refused() {
        let quota = Quota {
            video_seconds: Some(60.0),
            ..Quota::default()
        };
        assert_eq!(quota.check_length(60.0, "x"), Ok(()));
        let refused = quota.check_length(95.2, "/s/story.txt").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "over quota: max_video_seconds = 60: /s/story.txt makes about 95 s of video"
        );
        assert_eq!(Quota::default().check_length(1e9, "x"), Ok(()));
    }
}
