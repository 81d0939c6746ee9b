// Shapes shared by the in-memory API server's modules. Objects are plain JSON;
// the server never keeps class instances, so what it stores is what it serves.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A JSON-schema node as CRDs carry it (openAPIV3Schema). */
export interface SchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, SchemaProps>;
  additionalProperties?: SchemaProps | boolean;
  items?: SchemaProps;
  required?: string[];
  enum?: Json[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  default?: Json;
  anyOf?: SchemaProps[];
  oneOf?: SchemaProps[];
  allOf?: SchemaProps[];
  not?: SchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** Everything the server knows about one resource (one plural in one group/version). */
export interface ResourceType {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** has a /status subresource: status is ignored on the main resource and writable only there */
  statusSubresource: boolean;
  /** metadata.generation is set and bumped on spec changes */
  tracksGeneration: boolean;
  /** custom resources: no strategic merge patch (415), no unconditional update (422) */
  custom: boolean;
  /** field selectors beyond metadata.name / metadata.namespace */
  fieldSelectors: string[];
  schema?: SchemaProps;
  printerColumns?: PrinterColumn[];
  /** subresources other than status that the server answers (pods/log, pods/exec, ...) */
  subresources: string[];
}

/** One cause of a 422 Invalid, as the real server lists them in Status.details.causes. */
export interface FieldError {
  /** FieldValueRequired | FieldValueInvalid | FieldValueNotSupported | FieldValueTypeInvalid | FieldValueForbidden | FieldValueTooLong | FieldValueTooMany | FieldValueDuplicate */
  reason: string;
  /** dotted path as the real server prints it, e.g. spec.volume.size or spec.users[foo] */
  field: string;
  /** the cause alone, e.g. `Required value` or `Invalid value: "x": spec.x in body should match '^a$'` */
  message: string;
}
