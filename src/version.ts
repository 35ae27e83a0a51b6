/**
 * The product's version, as derived objects record it (SoftwareVersions, the SEG algorithm version).
 * The same as package.json's (test/version.test.ts checks); a module of its own so the browser bundle
 * need not read package.json.
 */
export const PRODUCT_VERSION = '0.1.0';
