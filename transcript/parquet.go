package transcript

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/internal/parquetio"
	"github.com/autollmresearch/gym/tasks/tablefile"
)

// Columns of the Parquet form, one row per message.
const (
	ColID          = "id"           // string: the transcript's id
	ColEnv         = "env"          // string: the env id
	ColTarget      = "target"       // string: the target experiment
	ColSeed        = "seed"         // uint64: the reset seed
	ColTurn        = "turn"         // int32: the message's 0-based index
	ColRole        = "role"         // string: system, user or assistant
	ColContent     = "content"      // string: the message's text
	ColReward      = "reward"       // float64, null when absent
	ColRegret      = "regret"       // float64, null when absent
	ColFinalRegret = "final_regret" // float64: the transcript's final regret
	ColReturn      = "return"       // float64: the transcript's return
	ColFailed      = "failed"       // string: why the episode failed, null when it did not
)

// rowSchema is the schema of the Parquet form.
var rowSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColID, Type: arrow.BinaryTypes.String},
	{Name: ColEnv, Type: arrow.BinaryTypes.String},
	{Name: ColTarget, Type: arrow.BinaryTypes.String},
	{Name: ColSeed, Type: arrow.PrimitiveTypes.Uint64},
	{Name: ColTurn, Type: arrow.PrimitiveTypes.Int32},
	{Name: ColRole, Type: arrow.BinaryTypes.String},
	{Name: ColContent, Type: arrow.BinaryTypes.String},
	{Name: ColReward, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: ColRegret, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: ColFinalRegret, Type: arrow.PrimitiveTypes.Float64},
	{Name: ColReturn, Type: arrow.PrimitiveTypes.Float64},
	{Name: ColFailed, Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// oldColumns is the number of columns of files written before ColFailed
// was added, which ReadParquet still reads.
const oldColumns = 11

// WriteParquet writes ts as a Parquet file with one row per message (see
// the Col constants), Snappy-compressed, readable by pandas, polars and
// DuckDB. Each transcript is validated first, as by WriteJSONL; nothing
// is written when one is invalid.
func WriteParquet(w io.Writer, ts []Transcript) error {
	for i := range ts {
		if err := ts[i].Validate(); err != nil {
			return fmt.Errorf("transcript %d (id %q): %w", i, ts[i].ID, err)
		}
	}
	rec := record(ts)
	defer rec.Release()
	err := parquetio.WriteRecord(w, rec, parquetio.Options{Dictionary: []string{ColEnv, ColTarget, ColRole}})
	if err != nil {
		return fmt.Errorf("transcript: writing Parquet: %w", err)
	}
	return nil
}

// record returns the rows of ts (see the Col constants) as one record
// batch. The caller must Release it.
func record(ts []Transcript) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, rowSchema)
	defer b.Release()
	str := func(i int) *array.StringBuilder { return b.Field(i).(*array.StringBuilder) }
	f64 := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	opt := func(i int, x *float64) {
		if x == nil {
			f64(i).AppendNull()
		} else {
			f64(i).Append(*x)
		}
	}
	for _, t := range ts {
		for k, m := range t.Messages {
			str(0).Append(t.ID)
			str(1).Append(t.Env)
			str(2).Append(t.Target)
			b.Field(3).(*array.Uint64Builder).Append(t.Seed)
			b.Field(4).(*array.Int32Builder).Append(int32(k))
			str(5).Append(m.Role)
			str(6).Append(m.Content)
			opt(7, m.Reward)
			opt(8, m.Regret)
			f64(9).Append(t.FinalRegret)
			f64(10).Append(t.Return)
			if t.Failed == "" {
				str(11).AppendNull()
			} else {
				str(11).Append(t.Failed)
			}
		}
	}
	return b.NewRecordBatch()
}

// ReadAtSeeker is what the Parquet reader needs: random access to the
// file, such as an *os.File or a *bytes.Reader.
type ReadAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

// ReadParquet reads transcripts written by WriteParquet: consecutive rows
// with the same id form one transcript, whose turns must run 0, 1, 2, ...
// Each transcript is validated. Errors name the row and column. Files
// written before the column "failed" was added (without it) read as
// transcripts that did not fail.
func ReadParquet(r ReadAtSeeker) (ts []Transcript, err error) {
	defer func() {
		// The Parquet reader may panic on a corrupt file.
		if p := recover(); p != nil {
			ts, err = nil, fmt.Errorf("transcript: reading Parquet: %w", tablefile.DecodePanic(p))
		}
	}()
	fr, pf, err := tablefile.OpenParquet(r, pqarrow.ArrowReadProperties{BatchSize: 1 << 16})
	if err != nil {
		return nil, fmt.Errorf("transcript: reading Parquet: %w", err)
	}
	defer pf.Close()
	b, err := parquetio.ReadAll(fr)
	if err != nil {
		return nil, fmt.Errorf("transcript: reading Parquet: %w", err)
	}
	defer b.Release()
	if err := checkSchema(b.Schema); err != nil {
		return nil, err
	}
	var rd rowReader
	for _, rec := range b.Records {
		if err := rd.addRecord(rec); err != nil {
			return nil, err
		}
	}
	if err := rd.finish(); err != nil {
		return nil, err
	}
	return rd.ts, nil
}

// rowReader gathers the consecutive rows of a Parquet file that share an
// id into transcripts.
type rowReader struct {
	ts  []Transcript // the transcripts finished
	cur *Transcript  // the transcript being read, nil before the first row
	row int          // the file's next row
}

// addRecord adds the rows of one record batch.
func (rd *rowReader) addRecord(rec arrow.RecordBatch) error {
	cols, err := columns(rec)
	if err != nil {
		return err
	}
	for i := range int(rec.NumRows()) {
		for c, col := range rec.Columns() {
			if f := rowSchema.Field(c); !f.Nullable && col.IsNull(i) {
				return fmt.Errorf("transcript: Parquet row %d: column %q is null", rd.row, f.Name)
			}
		}
		if err := rd.addRow(cols, i); err != nil {
			return err
		}
		rd.row++
	}
	return nil
}

// addRow adds row i of cols, the file's row rd.row: the next message of
// the current transcript, or the first of a new one when its id differs.
func (rd *rowReader) addRow(cols rowColumns, i int) error {
	id := cols.id.Value(i)
	if rd.cur == nil || rd.cur.ID != id {
		if err := rd.finish(); err != nil {
			return err
		}
		var err error
		if rd.cur, err = cols.transcript(i, rd.row); err != nil {
			return err
		}
	} else if f := cols.failedAt(i); f != rd.cur.Failed {
		return fmt.Errorf("transcript: Parquet row %d: column %q is %q, but earlier rows of %q say %q", rd.row, ColFailed, f, id, rd.cur.Failed)
	}
	if turn := int(cols.turn.Value(i)); turn != len(rd.cur.Messages) {
		return fmt.Errorf("transcript: Parquet row %d: column %q is %d, want %d (the next message of %q)", rd.row, ColTurn, turn, len(rd.cur.Messages), id)
	}
	rd.cur.Messages = append(rd.cur.Messages, cols.message(i))
	return nil
}

// finish validates the current transcript, if any, and adds it to rd.ts.
func (rd *rowReader) finish() error {
	if rd.cur == nil {
		return nil
	}
	if err := rd.cur.Validate(); err != nil {
		return fmt.Errorf("transcript: Parquet transcript %q (ending before row %d): %w", rd.cur.ID, rd.row, err)
	}
	rd.ts = append(rd.ts, *rd.cur)
	rd.cur = nil
	return nil
}

// checkSchema checks that s has the columns of rowSchema, in order, or
// the first oldColumns of them (a file written before ColFailed).
func checkSchema(s *arrow.Schema) error {
	if s.NumFields() != rowSchema.NumFields() && s.NumFields() != oldColumns {
		return fmt.Errorf("transcript: reading Parquet: %d columns, want the %d of a transcript file (%s)", s.NumFields(), rowSchema.NumFields(), columnNames())
	}
	for i, want := range rowSchema.Fields()[:s.NumFields()] {
		got := s.Field(i)
		if got.Name != want.Name || !arrow.TypeEqual(got.Type, want.Type) {
			return fmt.Errorf("transcript: reading Parquet: column %d is %q (%v), want %q (%v)", i, got.Name, got.Type, want.Name, want.Type)
		}
	}
	return nil
}

func columnNames() string {
	var s string
	for i, f := range rowSchema.Fields() {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}

// rowColumns are the typed columns of one record batch.
type rowColumns struct {
	id, env, target, role, content *array.String
	seed                           *array.Uint64
	turn                           *array.Int32
	reward, regret, final, ret     *array.Float64
	failed                         *array.String // nil in a file without the column
}

// failedAt returns the value of the column "failed" at row i, "" when null
// or absent.
func (c rowColumns) failedAt(i int) string {
	if c.failed == nil || c.failed.IsNull(i) {
		return ""
	}
	return c.failed.Value(i)
}

// transcript starts the transcript whose first row is row i, the file's
// row, with its per-transcript columns and no messages yet.
func (c rowColumns) transcript(i, row int) (*Transcript, error) {
	t := &Transcript{
		ID: c.id.Value(i), Env: c.env.Value(i), Target: c.target.Value(i), Seed: c.seed.Value(i),
		FinalRegret: c.final.Value(i), Return: c.ret.Value(i),
	}
	if c.failed != nil && !c.failed.IsNull(i) {
		if t.Failed = c.failed.Value(i); t.Failed == "" {
			return nil, fmt.Errorf("transcript: Parquet row %d: column %q is empty, want the reason the episode failed or null", row, ColFailed)
		}
	}
	return t, nil
}

// message returns the message of row i.
func (c rowColumns) message(i int) Message {
	m := Message{Role: c.role.Value(i), Content: c.content.Value(i)}
	if !c.reward.IsNull(i) {
		x := c.reward.Value(i)
		m.Reward = &x
	}
	if !c.regret.IsNull(i) {
		x := c.regret.Value(i)
		m.Regret = &x
	}
	return m
}

// columns returns the typed columns of rec, whose schema checkSchema
// accepted.
func columns(rec arrow.RecordBatch) (rowColumns, error) {
	var c rowColumns
	ok := make([]bool, rec.NumCols())
	c.id, ok[0] = rec.Column(0).(*array.String)
	c.env, ok[1] = rec.Column(1).(*array.String)
	c.target, ok[2] = rec.Column(2).(*array.String)
	c.seed, ok[3] = rec.Column(3).(*array.Uint64)
	c.turn, ok[4] = rec.Column(4).(*array.Int32)
	c.role, ok[5] = rec.Column(5).(*array.String)
	c.content, ok[6] = rec.Column(6).(*array.String)
	c.reward, ok[7] = rec.Column(7).(*array.Float64)
	c.regret, ok[8] = rec.Column(8).(*array.Float64)
	c.final, ok[9] = rec.Column(9).(*array.Float64)
	c.ret, ok[10] = rec.Column(10).(*array.Float64)
	if len(ok) > oldColumns {
		c.failed, ok[11] = rec.Column(11).(*array.String)
	}
	for i, good := range ok {
		if !good {
			return c, fmt.Errorf("transcript: reading Parquet: column %q is a %T, want %v", rowSchema.Field(i).Name, rec.Column(i), rowSchema.Field(i).Type)
		}
	}
	return c, nil
}
