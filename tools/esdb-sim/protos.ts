import { createRequire } from 'node:module';

/**
 * The client's generated protobuf modules, loaded as the CommonJS they are.
 * Node's ESM loader cannot see their named exports (they are attached at run
 * time), so `import { Empty } from …shared_pb.js` fails outside Vitest; and
 * requiring them puts us on the very module instances the client uses.
 */
const require = createRequire(import.meta.url);

export const sharedPb: typeof import('@eventstore/db-client/generated/shared_pb.js') = require('@eventstore/db-client/generated/shared_pb.js');
export const streamsPb: typeof import('@eventstore/db-client/generated/streams_pb.js') = require('@eventstore/db-client/generated/streams_pb.js');
export const statusPb: typeof import('@eventstore/db-client/generated/status_pb.js') = require('@eventstore/db-client/generated/status_pb.js');
export const codePb: typeof import('@eventstore/db-client/generated/code_pb.js') = require('@eventstore/db-client/generated/code_pb.js');
export const serverFeaturesPb: typeof import('@eventstore/db-client/generated/serverfeatures_pb.js') = require('@eventstore/db-client/generated/serverfeatures_pb.js');
export const anyPb: typeof import('google-protobuf/google/protobuf/any_pb.js') = require('google-protobuf/google/protobuf/any_pb.js');
export const emptyPb: typeof import('google-protobuf/google/protobuf/empty_pb.js') = require('google-protobuf/google/protobuf/empty_pb.js');
export const streamsGrpc: typeof import('@eventstore/db-client/generated/streams_grpc_pb.js') = require('@eventstore/db-client/generated/streams_grpc_pb.js');
export const serverFeaturesGrpc: typeof import('@eventstore/db-client/generated/serverfeatures_grpc_pb.js') = require('@eventstore/db-client/generated/serverfeatures_grpc_pb.js');
