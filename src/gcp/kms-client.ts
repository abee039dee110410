// Cloud KMS's generated client for KeyManagementService alone: the package's index also loads
// its other clients and its static protos.js (about 1 MB of the bundle), none of which we call.
import { KeyManagementServiceClient as Generated } from '@google-cloud/kms/build/src/v1/key_management_service_client';
import type { ClientOptions } from 'google-gax';

/**
 * The KeyManagementService methods Runner Ops calls: the one place that says so. The bundle's
 * descriptor keeps these and the types they reach (scripts/build.mjs reads this list: the client
 * builds it in a third of the time), and the client is typed to them, so a call to any other
 * method is a compile error rather than a failure in the field.
 */
export const KMS_METHODS = [
  'getKeyRing',
  'listKeyRings',
  'createKeyRing',
  'getCryptoKey',
  'createCryptoKey',
  'createCryptoKeyVersion',
  'updateCryptoKeyPrimaryVersion',
  'updateCryptoKeyVersion',
  'destroyCryptoKeyVersion',
  'listCryptoKeyVersions',
  'encrypt',
  'decrypt',
] as const;

type Method = (typeof KMS_METHODS)[number];
/** The client with only those methods (and their paginated forms), IAM's testIamPermissions (its own descriptor) and close(). */
export type KeyManagementServiceClient = Pick<
  Generated,
  Extract<keyof Generated, Method | `${Method}Async` | 'testIamPermissions' | 'close'>
>;
export const KeyManagementServiceClient = Generated as unknown as new (
  options?: ClientOptions,
) => KeyManagementServiceClient;
