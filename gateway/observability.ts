import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../subgraphs/kernel/logger.js';
import type { GatewayContext } from './context.js';
import { metrics } from './metrics.js';

/** What one request's log line and metrics say; filled in as the request goes along. */
export interface RequestRecord {
  requestId: string;
  method?: string;
  path?: string;
  party?: string;
  org?: string | null;
  operationName?: string | null;
  operationType?: string;
  /** The bound or list that refused the operation before planning. */
  rejectedBy?: string;
  /** Codes of the errors in the response, each once. */
  errorCodes?: string[];
}

/** The gateway's Apollo context: the verified caller plus the record its request is logged from. */
export interface ServedContext extends GatewayContext {
  record: RequestRecord;
}

/**
 * The log line of a finished request: chosen fields only, never headers or bodies, so neither a
 * token nor the data served can end up in the logs.
 */
export function requestLine(record: RequestRecord, status: number, durationMs: number) {
  return {
    requestId: record.requestId,
    method: record.method,
    path: record.path,
    status,
    durationMs: Math.round(durationMs * 10) / 10,
    party: record.party,
    org: record.org ?? undefined,
    operationName: record.operationName ?? undefined,
    operationType: record.operationType,
    rejectedBy: record.rejectedBy,
    errorCodes: record.errorCodes?.length ? record.errorCodes : undefined,
  };
}

/**
 * Fills the request's record from Apollo's view of it, logs errors the client sees masked (with
 * the request id, so a report quoting `x-request-id` leads here), and counts authorization denials
 * by rule from the response itself, outside the authorization code.
 */
export function observationPlugin(
  logger: Logger,
  clientFacing: (code: unknown) => boolean,
): ApolloServerPlugin<ServedContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const { record } = contextValue;
      record.operationName = request.operationName ?? record.operationName;
      return {
        async didResolveOperation({ operation, operationName }) {
          record.operationType = operation?.operation;
          record.operationName = operationName ?? record.operationName;
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors as readonly GraphQLError[]) {
            if (clientFacing(error.extensions?.code)) continue;
            logger.error(
              { requestId: record.requestId, path: error.path, err: error.originalError ?? error },
              'operation error (masked for the client)',
            );
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const codes = new Set<string>();
          for (const error of response.body.singleResult.errors ?? []) {
            const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
            codes.add(code);
            if (code === 'UNAUTHORIZED_FIELD_OR_TYPE') {
              metrics.authorizationDenials.inc({
                rule: String(error.extensions?.rule ?? 'unknown'),
              });
            }
          }
          record.errorCodes = [...codes];
        },
      };
    },
  };
}
