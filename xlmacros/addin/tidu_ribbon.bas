Attribute VB_Name = "TiduRibbon"
Option Explicit

' Ribbon callbacks of the tidu add-in. The ribbon XML is generated from
' xlmacros/addin/buttons.py; each button runs one Python entry point of
' tidu.xlmacros.ribbon through xlwings' RunPython (module xlwings in this project).
' VBA source is code page 1252: every text shown to users comes from TiduText
' (generated at build time, Chinese assembled with ChrW), and so does TIDU_VERSION.
' No click may end in a VBA error dialog (its Debug button opens the VBA project):
' every Sub here catches its errors and says what happened in Chinese.

Public Function TiduCommand(ByVal entry As String) As String
    ' Python compares TIDU_VERSION with its own tidu.__version__ before doing anything.
    TiduCommand = "import tidu.xlmacros.ribbon as ribbon; ribbon.click('" & entry & "', '" & TIDU_VERSION & "')"
End Function

Private Sub TiduSay(ByVal message As String, ByVal style As Long)
    MsgBox message, style, TiduText("title")
End Sub

Private Function TiduBlocked() As String
    ' Why a click cannot run now ("" when it can). xlwings' own code reads ActiveWorkbook,
    ' which is Nothing with no workbook open and in Protected View (VBA error 91).
    Dim pv As Object
    On Error Resume Next ' Excel 2007 has no ActiveProtectedViewWindow
    Set pv = Application.ActiveProtectedViewWindow
    On Error GoTo 0
    If Not pv Is Nothing Then
        TiduBlocked = TiduText("protected_view")
    ElseIf ActiveWorkbook Is Nothing Then
        TiduBlocked = TiduText("no_workbook")
    ElseIf ActiveWorkbook.IsAddin Then
        TiduBlocked = TiduText("is_addin")
    Else
        TiduBlocked = TiduInterpreterProblem(GetConfig("INTERPRETER_WIN", ""))
    End If
End Function

Public Function TiduInterpreterProblem(ByVal interpreter As String) As String
    ' tidu addin install writes the full path of python.exe into tidu.conf; a bare "python"
    ' is often the Windows Store stub, so an empty setting is refused too.
    If interpreter = "" Then
        TiduInterpreterProblem = TiduText("no_interpreter")
    ElseIf Not CreateObject("Scripting.FileSystemObject").FileExists(interpreter) Then
        TiduInterpreterProblem = TiduText("interpreter_missing") & interpreter
    Else
        TiduInterpreterProblem = ""
    End If
End Function

Private Sub TiduRun(ByVal entry As String)
    Dim why As String
    On Error GoTo failed
    why = TiduBlocked()
    If why <> "" Then
        TiduSay why, vbExclamation
        Exit Sub
    End If
    Application.StatusBar = TiduText("starting") ' Python's cold start takes seconds
    RunPython TiduCommand(entry)
    Application.StatusBar = False
    Exit Sub
failed:
    Application.StatusBar = False
    TiduSay TiduText("vba_error") & Err.Description & " (" & Err.Number & ")", vbCritical
End Sub

Public Sub TiduValidate(control As Object)
    TiduRun "validate_caller"
End Sub

Public Sub TiduRollup(control As Object)
    TiduRun "rollup_caller"
End Sub

Public Sub TiduFlagGaps(control As Object)
    TiduRun "flag_gaps_caller"
End Sub

Public Sub TiduScreen(control As Object)
    TiduRun "screen_caller"
End Sub

Public Sub TiduExport(control As Object)
    TiduRun "export_submission_caller"
End Sub

' Self-test, run by the test suite in LibreOffice and by tidu doctor in a hidden Excel:
' the command a button sends, the version it carries, and the guard on a missing interpreter.
Public Function TiduSelfTest() As String
    Dim expected As String
    expected = "import tidu.xlmacros.ribbon as ribbon; ribbon.click('validate_caller', '" & TIDU_VERSION & "')"
    If TiduCommand("validate_caller") <> expected Then
        TiduSelfTest = "unexpected: " & TiduCommand("validate_caller")
    ElseIf TiduInterpreterProblem("") <> TiduText("no_interpreter") Then
        TiduSelfTest = "unexpected guard"
    Else
        TiduSelfTest = "ok " & TIDU_VERSION
    End If
End Function
