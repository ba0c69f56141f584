//! HTML templates from `templates/`, embedded into the binary at build time.

use crate::error::AppError;
use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("landing.html", include_str!("../../templates/landing.html")),
    ("catalog.html", include_str!("../../templates/catalog.html")),
    ("listing.html", include_str!("../../templates/listing.html")),
    ("admin.html", include_str!("../../templates/admin.html")),
    ("access.html", include_str!("../../templates/access.html")),
    ("stats.html", include_str!("../../templates/stats.html")),
    ("viewer.html", include_str!("../../templates/viewer.html")),
    ("anomalies.html", include_str!("../../templates/anomalies.html")),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, template: &'static str, ctx: minijinja::Value) -> Result<String, AppError> {
        self.env
            .get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|source| AppError::Template { template, source })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        super::Templates::new().unwrap();
    }
}
