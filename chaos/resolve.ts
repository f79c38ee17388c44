import { GetExperimentTemplateCommand } from '@aws-sdk/client-fis';
import { awsCall, NotFoundError } from './aws-call.ts';
import type { ChaosClients } from './clients.ts';
import { readHealthCheck } from './health-check-fault.ts';
import { describeAlarms } from './stop-conditions.ts';
import { readWeightedRecords } from './weight-shift-fault.ts';

// Read-only lookups of what a drill or a rollout will touch, so that one missing piece refuses the whole run before
// its first change. Each answers whether the thing exists; any other failure (access denied, throttling) is thrown as
// the infrastructure error it is, never mistaken for "missing".

/** How a pipeline resolves the AWS resources it will act on. */
export interface AwsResolver {
  healthCheckExists(healthCheckId: string): Promise<boolean>;
  experimentTemplateExists(region: string, templateId: string): Promise<boolean>;
  /** The names among `names` that exist as alarms in `region`. */
  alarmsFound(region: string, names: readonly string[]): Promise<Set<string>>;
  /** The SetIdentifiers of the weighted records of one record set. */
  weightedSetIdentifiers(where: { hostedZoneId: string; name: string; type: string }): Promise<Set<string>>;
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** The resolver on real SDK clients: GetHealthCheck, GetExperimentTemplate, DescribeAlarms, ListResourceRecordSets. */
export function awsResolver(clients: ChaosClients): AwsResolver {
  return {
    healthCheckExists: (id) => exists(() => readHealthCheck({ clients }, id)),
    experimentTemplateExists: (region, id) =>
      exists(() =>
        awsCall(
          `GetExperimentTemplate ${id} in ${region}`,
          () => clients.fis(region).send(new GetExperimentTemplateCommand({ id })),
          clients.retry,
        ),
      ),
    alarmsFound: async (region, names) => new Set((await describeAlarms(clients, region, names)).keys()),
    weightedSetIdentifiers: async (where) => {
      // A hosted zone that does not exist has no records either.
      try {
        return new Set((await readWeightedRecords({ clients }, where)).keys());
      } catch (err) {
        if (err instanceof NotFoundError) return new Set();
        throw err;
      }
    },
  };
}
