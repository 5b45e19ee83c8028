/** Helpers for the tests of other packages: a nats-server per test file, TLS certificates, rejections. */
export { type NatsFixture, type NatsFixtureOptions, useNatsServer } from './nats-fixture';
export { type IssuedCertificate, issueCertificate, makeCa, pemFolder } from './test-certificates';
export { failure } from './rejection';
