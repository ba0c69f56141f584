//! WMS errors in the protocol's own format: a `ServiceExceptionReport` with the OGC code and the
//! offending parameter as `locator` (WMS 1.3.0 Annex E; 1.1.1 section 7.3.5).

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use quick_xml::escape::escape;

use crate::error::{AppError, ErrorDetail};

/// An [`AppError`] answered as a WMS exception report of a given version.
pub struct WmsError {
    pub wms_111: bool,
    pub error: AppError,
}

impl IntoResponse for WmsError {
    fn into_response(self) -> Response {
        let status = self.error.status();
        let (code, locator) = match &self.error {
            AppError::Ogc { code, locator, .. } => (code.as_str(self.wms_111), Some(*locator)),
            _ => ("NoApplicableCode", None),
        };
        let locator = locator.map(|l| format!(" locator=\"{}\"", escape(l))).unwrap_or_default();
        let message = escape(self.error.public_message()).into_owned();
        let (body, content_type) = if self.wms_111 {
            (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceExceptionReport version=\"1.1.1\">\n  <ServiceException code=\"{code}\"{locator}>{message}</ServiceException>\n</ServiceExceptionReport>\n"
                ),
                "application/vnd.ogc.se_xml",
            )
        } else {
            (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceExceptionReport version=\"1.3.0\" xmlns=\"http://www.opengis.net/ogc\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd\">\n  <ServiceException code=\"{code}\"{locator}>{message}</ServiceException>\n</ServiceExceptionReport>\n"
                ),
                "text/xml; charset=utf-8",
            )
        };
        let mut res = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
        if status == StatusCode::INTERNAL_SERVER_ERROR || status.is_server_error() {
            res.extensions_mut().insert(ErrorDetail(self.error.to_string()));
        }
        res
    }
}
