// Cloud KMS's generated client for KeyManagementService alone: the package's index also loads
// its other clients and its static protos.js (about 1 MB of the bundle), none of which we call.
export { KeyManagementServiceClient } from '@google-cloud/kms/build/src/v1/key_management_service_client';
