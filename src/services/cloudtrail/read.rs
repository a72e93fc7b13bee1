//! CloudTrail collection: trails (DescribeTrails), their status (GetTrailStatus) and event
//! selectors (GetEventSelectors), and their bucket's access logging (through the S3 service).

use crate::aws::{classify, Clients};
use crate::error::{AwsError, ReadFailure};
use crate::services::cloudtrail::snapshot::{Recorded, Selectors, Trail};
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use aws_sdk_cloudtrail::Client;

/// The CloudTrail client for a region.
pub fn client(clients: &Clients, region: &str) -> Client {
    clients.regional(region, |sdk, recorder| Client::from_conf(aws_sdk_cloudtrail::config::Builder::from(sdk).interceptor(recorder.clone()).build()))
}

/// A trail's configuration as DescribeTrails returns it (status, selectors and bucket logging are
/// read separately).
pub fn config(t: &aws_sdk_cloudtrail::types::Trail, region: &str) -> Option<Trail> {
    let name = t.name()?.to_string();
    let home = t.home_region().unwrap_or(region).to_string();
    Some(Trail {
        arn: t.trail_arn().map(str::to_string).unwrap_or_default(),
        name,
        home_region: home,
        multi_region: t.is_multi_region_trail(),
        logging: None,
        log_file_validation: t.log_file_validation_enabled(),
        kms_key_id: t.kms_key_id().map(str::to_string),
        log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_string),
        bucket: t.s3_bucket_name().map(str::to_string),
        bucket_access_logging: None,
        selectors: None,
    })
}

/// The trails DescribeTrails shows in `region`: only those homed there, or (`shadows`) also every
/// multi-region trail of the account.
pub async fn trails(clients: &Clients, region: &str, shadows: bool) -> Result<Vec<Trail>, AwsError> {
    let out = client(clients, region).describe_trails().include_shadow_trails(shadows).send().await.map_err(|e| classify(&e))?;
    let mut found = Vec::new();
    for t in out.trail_list() {
        let trail = config(t, region).ok_or_else(|| AwsError {
            operation: crate::error::Operation::of::<aws_sdk_cloudtrail::operation::describe_trails::DescribeTrailsError>(),
            kind: crate::error::AwsErrorKind::Other,
            code: None,
            message: "a trail in the listing has no name".into(),
        })?;
        if shadows || trail.home_region == region {
            found.push(trail);
        }
    }
    Ok(found)
}

/// One trail by name in its home region: `Ok(None)` when it does not exist.
pub async fn trail(clients: &Clients, region: &str, name: &str) -> Result<Option<Trail>, AwsError> {
    let out = client(clients, region).describe_trails().trail_name_list(name).include_shadow_trails(false).send().await;
    match out {
        Ok(out) => Ok(out.trail_list().iter().filter_map(|t| config(t, region)).find(|t| t.name == name || t.arn == name)),
        Err(e) => {
            let e = classify(&e);
            if e.has_code(&["TrailNotFoundException"]) {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

fn recorded(rw: Option<&ReadWriteType>) -> Recorded {
    match rw {
        Some(ReadWriteType::ReadOnly) => Recorded { read: true, write: false },
        Some(ReadWriteType::WriteOnly) => Recorded { read: false, write: true },
        // `All` is the default when the field is absent.
        _ => Recorded::ALL,
    }
}

/// What basic event selectors record. A data resource of type `AWS::S3::Object` whose values
/// include `arn:aws:s3` (or `arn:aws:s3:::`) covers every bucket.
pub fn basic(selectors: &[EventSelector], partition: &str) -> Selectors {
    let mut out = Selectors::default();
    let every_bucket = [format!("arn:{partition}:s3"), format!("arn:{partition}:s3:::")];
    for s in selectors {
        let rw = recorded(s.read_write_type());
        if s.include_management_events().unwrap_or(true) && s.exclude_management_event_sources().is_empty() {
            out.management.add(rw);
        }
        let all_buckets = s.data_resources().iter().any(|d| d.r#type() == Some("AWS::S3::Object") && d.values().iter().any(|v| every_bucket.contains(v)));
        if all_buckets {
            out.s3_objects.add(rw);
        }
    }
    out
}

/// What advanced event selectors record. A selector counts only when every field it filters on is
/// one this reading understands to keep the whole category (event category, read-only, resource
/// type, an ARN prefix naming every bucket); any other filter narrows it, so it counts for nothing.
pub fn advanced(selectors: &[AdvancedEventSelector], partition: &str) -> Selectors {
    let mut out = Selectors::default();
    for s in selectors {
        let mut category = None;
        let mut rw = Recorded::ALL;
        let mut s3_objects = false;
        let mut narrowed = false;
        for f in s.field_selectors() {
            let only = |v: &str| f.equals() == [v.to_string()] && f.starts_with().is_empty() && f.not_equals().is_empty() && f.not_starts_with().is_empty() && f.ends_with().is_empty() && f.not_ends_with().is_empty();
            match f.field() {
                "eventCategory" if only("Management") => category = Some("Management"),
                "eventCategory" if only("Data") => category = Some("Data"),
                "readOnly" if only("true") => rw = Recorded { read: true, write: false },
                "readOnly" if only("false") => rw = Recorded { read: false, write: true },
                "resources.type" if only("AWS::S3::Object") => s3_objects = true,
                "resources.ARN"
                    if f.starts_with().iter().all(|p| p == &format!("arn:{partition}:s3:::"))
                        && !f.starts_with().is_empty()
                        && f.equals().is_empty()
                        && f.not_equals().is_empty()
                        && f.not_starts_with().is_empty() => {}
                _ => narrowed = true,
            }
        }
        match (category, narrowed) {
            (Some("Management"), false) => out.management.add(rw),
            (Some("Data"), false) if s3_objects => out.s3_objects.add(rw),
            _ => {}
        }
    }
    out
}

/// Reads a trail's status and event selectors into it; parts that fail stay `None` and are
/// returned as failures.
pub async fn status_and_selectors(clients: &Clients, trail: &mut Trail, partition: &str) -> Vec<ReadFailure> {
    let c = client(clients, &trail.home_region);
    let id = if trail.arn.is_empty() { trail.name.clone() } else { trail.arn.clone() };
    let fail = |error: AwsError| ReadFailure { resource_arn: id.clone(), error };
    let mut failures = Vec::new();
    let (status, selectors) = tokio::join!(c.get_trail_status().name(&id).send(), c.get_event_selectors().trail_name(&id).send());
    match status {
        Ok(s) => trail.logging = s.is_logging(),
        Err(e) => failures.push(fail(classify(&e))),
    }
    match selectors {
        Ok(s) => {
            let mut all = basic(s.event_selectors(), partition);
            let adv = advanced(s.advanced_event_selectors(), partition);
            all.management.add(adv.management);
            all.s3_objects.add(adv.s3_objects);
            trail.selectors = Some(all);
        }
        Err(e) => failures.push(fail(classify(&e))),
    }
    failures
}

/// Reads the trail's bucket's access logging into it (through the S3 service).
pub async fn bucket_logging(clients: &Clients, trail: &mut Trail) -> Vec<ReadFailure> {
    let Some(bucket) = trail.bucket.clone() else { return Vec::new() };
    match crate::services::s3::read::access_logging(clients, &bucket).await {
        Ok(on) => {
            trail.bucket_access_logging = on;
            Vec::new()
        }
        Err(error) => vec![ReadFailure { resource_arn: trail.arn.clone(), error }],
    }
}

/// Every trail the SDK's region shows (its own and every multi-region trail), with status and
/// selectors, and the reads that failed.
pub type View = std::sync::Arc<(Vec<Trail>, Vec<ReadFailure>)>;

/// The account's view of its trails, read once per run and shared: CloudTrail's own coverage
/// checks, its per-trail reads and CloudWatch's monitoring checks all use it.
#[derive(Debug, Default)]
pub struct Views(crate::service::Memo<(), View>);

/// The run's view of the account's trails.
pub async fn view(cx: &crate::service::ReadCx<'_>) -> Result<View, AwsError> {
    let views = cx.state::<Views>();
    views
        .0
        .get_or_read((), || async {
            let mut trails = trails(cx.clients, &cx.clients.default_region(), true).await?;
            let mut failures = Vec::new();
            for t in trails.iter_mut() {
                failures.extend(status_and_selectors(cx.clients, t, cx.partition()).await);
            }
            Ok(std::sync::Arc::new((trails, failures)))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, DataResource};

    fn field(name: &str, equals: &[&str]) -> AdvancedFieldSelector {
        AdvancedFieldSelector::builder().field(name).set_equals(Some(equals.iter().map(|s| s.to_string()).collect())).build().unwrap()
    }

    #[test]
    fn basic_selectors_default_to_all_management_events() {
        let all = EventSelector::builder().build();
        assert_eq!(basic(&[all], "aws").management, Recorded::ALL);
        let writes = EventSelector::builder().read_write_type(ReadWriteType::WriteOnly).build();
        assert_eq!(basic(&[writes.clone()], "aws").management, Recorded { read: false, write: true });
        let reads = EventSelector::builder().read_write_type(ReadWriteType::ReadOnly).build();
        assert!(basic(&[writes, reads], "aws").management.all(), "two selectors together record both");
        let none = EventSelector::builder().include_management_events(false).build();
        assert_eq!(basic(&[none], "aws").management, Recorded::default());
        let excluding = EventSelector::builder().exclude_management_event_sources("kms.amazonaws.com").build();
        assert_eq!(basic(&[excluding], "aws").management, Recorded::default(), "not every source");
    }

    #[test]
    fn s3_data_events_count_only_for_every_bucket() {
        let every = DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3").build();
        let one = DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3:::logs/").build();
        let s = |d: DataResource, rw: ReadWriteType| EventSelector::builder().include_management_events(false).data_resources(d).read_write_type(rw).build();
        assert_eq!(basic(&[s(every.clone(), ReadWriteType::All)], "aws").s3_objects, Recorded::ALL);
        assert_eq!(basic(&[s(every, ReadWriteType::WriteOnly)], "aws").s3_objects, Recorded { read: false, write: true });
        assert_eq!(basic(&[s(one, ReadWriteType::All)], "aws").s3_objects, Recorded::default());
    }

    #[test]
    fn advanced_selectors_count_unless_narrowed() {
        let mgmt = AdvancedEventSelector::builder().field_selectors(field("eventCategory", &["Management"])).build().unwrap();
        assert!(advanced(&[mgmt], "aws").management.all());
        let reads = AdvancedEventSelector::builder().field_selectors(field("eventCategory", &["Management"])).field_selectors(field("readOnly", &["true"])).build().unwrap();
        assert_eq!(advanced(&[reads], "aws").management, Recorded { read: true, write: false });
        let narrowed = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Management"]))
            .field_selectors(AdvancedFieldSelector::builder().field("eventSource").not_equals("kms.amazonaws.com").build().unwrap())
            .build()
            .unwrap();
        assert_eq!(advanced(&[narrowed], "aws").management, Recorded::default());
        let s3 = AdvancedEventSelector::builder().field_selectors(field("eventCategory", &["Data"])).field_selectors(field("resources.type", &["AWS::S3::Object"])).build().unwrap();
        assert!(advanced(&[s3], "aws").s3_objects.all());
        let one_bucket = AdvancedEventSelector::builder()
            .field_selectors(field("eventCategory", &["Data"]))
            .field_selectors(field("resources.type", &["AWS::S3::Object"]))
            .field_selectors(AdvancedFieldSelector::builder().field("resources.ARN").starts_with("arn:aws:s3:::logs/").build().unwrap())
            .build()
            .unwrap();
        assert_eq!(advanced(&[one_bucket], "aws").s3_objects, Recorded::default());
    }
}
