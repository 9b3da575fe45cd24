-- One database per service that keeps state (facturx-svc keeps none); each
-- service also works in its own schema, created at its first start.
CREATE DATABASE gateway;
CREATE DATABASE ocr;
CREATE DATABASE erp;
CREATE DATABASE checks;
