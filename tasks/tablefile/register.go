package tablefile

import (
	"github.com/autollmresearch/gym/tasks"
)

func init() {
	tasks.RegisterFormat(tasks.IPC, ReadIPC, WriteIPC)
	tasks.RegisterFormat(tasks.IPCStream, func(r tasks.ReadAtSeeker) (*tasks.Table, error) { return ReadIPCStream(r) }, WriteIPCStream)
	tasks.RegisterFormat(tasks.Parquet, ReadParquet, WriteParquet)
}
