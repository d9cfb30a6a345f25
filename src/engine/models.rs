//! The model list: upstream when reachable (cached in the store), else the built-in list.

use crate::anthropic::{Client, ModelInfo, fallback_models};
use crate::store::Store;
use std::time::Duration;

const CACHE_KEY: &str = "models";

/// Where a model list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelListSource {
    /// Fetched just now.
    Upstream,
    /// Fetched earlier and still fresh.
    Cache,
    /// Built in, because the upstream could not be asked.
    Builtin,
}

/// A model list and its origin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelList {
    /// The models.
    pub models: Vec<ModelInfo>,
    /// Their origin.
    pub source: ModelListSource,
    /// Why the upstream was not used, if it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Lists models: a fresh cache entry, else the upstream, else the built-in list.
pub async fn list_models(
    client: Option<&Client>,
    store: &Store,
    ttl: Duration,
    refresh: bool,
) -> ModelList {
    if !refresh {
        let cached = store.cache_get(CACHE_KEY, ttl).await.ok().flatten();
        if let Some(models) = cached.and_then(|c| serde_json::from_str::<Vec<ModelInfo>>(&c).ok()) {
            return ModelList {
                models,
                source: ModelListSource::Cache,
                note: None,
            };
        }
    }
    let note = match client {
        None => "no API key".to_owned(),
        Some(c) => match c.list_models().await {
            Ok(models) if !models.is_empty() => {
                if let Ok(json) = serde_json::to_string(&models) {
                    let _ = store.cache_put(CACHE_KEY, &json).await;
                }
                return ModelList {
                    models,
                    source: ModelListSource::Upstream,
                    note: None,
                };
            }
            Ok(_) => "the API listed no models".to_owned(),
            Err(e) => e.to_string(),
        },
    };
    ModelList {
        models: fallback_models(),
        source: ModelListSource::Builtin,
        note: Some(note),
    }
}
