import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { InfrastructureError } from '../core/errors.ts';
import { SANDBOX_ACCOUNT_ID, SANDBOX_CREDENTIALS } from './state.ts';

// What a user's account holds for crosswind's remote runners, provisioned into moto with the same SDK calls: in every
// region a cluster, the runner's task definition (Fargate, awsvpc) and a VPC with DNS host names and a security
// group; one subnet per vantage, in the vantage's home region (a task in that subnet runs in that vantage's
// namespace); and the results bucket.

export const RUNNER_CLUSTER = 'crosswind-runners';
export const RUNNER_TASK_DEFINITION = 'crosswind-runner';
export const RUNNER_CONTAINER = 'runner';
export const RUNNER_BUCKET = 'crosswind-sandbox-runs';
export const RUNNER_TASK_ROLE = `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:role/crosswind-runner`;

/** Where a vantage's ECS runner runs: its region's cluster, its own subnet. */
export interface RunnerPlacement {
  region: string;
  subnetId: string;
  securityGroupId: string;
}

export interface RunnerProvision {
  bucket: string;
  cluster: string;
  taskDefinition: string;
  container: string;
  taskRoleArn: string;
  placements: Record<string, RunnerPlacement>;
}

/**
 * moto walks an ECS task one state further on every DescribeTasks, to STOPPED after four (a shortcut of its own); a
 * task in AWS runs until it is stopped or its container exits. The sandbox tells moto to leave tasks running.
 * @see https://docs.getmoto.org/en/latest/docs/configuration/state_transition/models.html
 */
async function keepTasksRunning(motoUrl: string): Promise<void> {
  const res = await fetch(`${motoUrl}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000_000 } }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new InfrastructureError(`moto refused the ECS task state transition (${res.status})`);
}

async function provisionRegion(
  motoUrl: string,
  region: string,
  index: number,
  vantages: string[],
): Promise<Record<string, RunnerPlacement>> {
  const common = { region, endpoint: motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 3 };
  const ec2 = new EC2Client(common);
  const ecs = new ECSClient(common);
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: RUNNER_CLUSTER }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: RUNNER_TASK_DEFINITION,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '1024',
        memory: '2048',
        taskRoleArn: RUNNER_TASK_ROLE,
        containerDefinitions: [
          {
            name: RUNNER_CONTAINER,
            image: 'crosswind-runner:latest',
            essential: true,
            cpu: 1024,
            memory: 2048,
            command: ['runner', '--help'],
          },
        ],
      }),
    );
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${100 + index}.0.0/16` }));
    const vpcId = vpc.Vpc?.VpcId as string;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'crosswind-runners', Description: 'crosswind runners: outbound only' }),
    );
    const placements: Record<string, RunnerPlacement> = {};
    for (const [i, vantage] of vantages.entries()) {
      const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.${100 + index}.${i + 1}.0/24` }));
      placements[vantage] = { region, subnetId: subnet.Subnet?.SubnetId as string, securityGroupId: sg.GroupId as string };
    }
    return placements;
  } finally {
    ec2.destroy();
    ecs.destroy();
  }
}

/** Provisions the runners' resources for vantages homed in the given regions. */
export async function provisionRunners(
  motoUrl: string,
  regions: string[],
  vantages: { name: string; region: string }[],
): Promise<RunnerProvision> {
  try {
    await keepTasksRunning(motoUrl);
    const s3 = new S3Client({ region: 'us-east-1', endpoint: motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: RUNNER_BUCKET }));
    } finally {
      s3.destroy();
    }
    const byRegion = await Promise.all(
      regions.map((r, i) =>
        provisionRegion(
          motoUrl,
          r,
          i,
          vantages.filter((v) => v.region === r).map((v) => v.name),
        ),
      ),
    );
    return {
      bucket: RUNNER_BUCKET,
      cluster: RUNNER_CLUSTER,
      taskDefinition: RUNNER_TASK_DEFINITION,
      container: RUNNER_CONTAINER,
      taskRoleArn: RUNNER_TASK_ROLE,
      placements: Object.assign({}, ...byRegion),
    };
  } catch (err) {
    throw new InfrastructureError(`provisioning the runners' resources into moto failed: ${(err as Error).message}`, { cause: err });
  }
}
