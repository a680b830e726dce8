// Package simulate records teacher trajectories on the research env: a
// teacher policy (policy.NewOracle, which reads the target's outcomes, or
// any baseline through [FactoryTeacher]) plays episodes of the train split
// through the env's Numeric view, and every step is kept with its
// observation vector, the teacher's action, its candidate and action mask
// (Discrete view), reward and regret. With Options.Learner set, a learner
// drives the episodes while the teacher labels every state it reaches;
// [DAgger] runs such rounds, fitting the learner by behaviour cloning on
// everything recorded so far after each ([Student] plays a network as the
// learner). [Trajectories] become behaviour-cloning datasets for rl.TrainBC
// ([Trajectories.ToDataset]) and Parquet files ([Trajectories.WriteParquet],
// [ReadParquet]). Episodes are seeded with rl.SubSeed, so the same seed
// gives the same trajectories whatever the number of workers.
package simulate
